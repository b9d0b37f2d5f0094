#!/usr/bin/env bash
# README command (2): install with the test tools (and Debian's chromium for the browser
# tests, when run as root), lint, run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing Debian's chromium for the browser tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
fi
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
.venv/bin/ruff check rag ui eval tests
.venv/bin/python -m pytest "$@"
