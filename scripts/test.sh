#!/usr/bin/env bash
# README command (2): install with the test tools and every extra (llm, fast, ray, milvus; and
# Debian's chromium for the browser tests, when run as root), lint, run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# llama-cpp-python builds from source (~10 min the first time, then pip's wheel cache); without
# -march=native the wheel runs on any x86_64 machine it is copied to.
CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" scripts/install.sh test,llm,fast,ray,milvus
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing Debian's chromium for the browser tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
fi
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
.venv/bin/ruff check rag ui eval tests
.venv/bin/python -m pytest "$@"
# The seeds eval gates quality: thresholds a little under the figures in BENCHMARKS.md.
if [ $# -eq 0 ]; then
  .venv/bin/rag index seeds --index index/ci-seeds --json >/dev/null
  .venv/bin/rag eval eval/seeds.jsonl --index index/ci-seeds --out eval/reports/ci \
    --min hit@5=0.95 --min mrr@10=0.9 --min answer_contained=0.85 --min citation_validity=1 \
    --min citation_precision=0.95 --min abstention_precision=0.85 --min abstention_recall=0.85
fi
