#!/usr/bin/env bash
# README command (2): install with the test extras, lint, run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
export HF_HUB_OFFLINE=1
.venv/bin/ruff check rag ui eval tests
.venv/bin/python -m pytest "$@"
