#!/usr/bin/env bash
# README command (1): install, index seeds/ (only what changed), start the chat app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
.venv/bin/rag index seeds
echo
echo "Starting the chat app on http://127.0.0.1:${PORT:-7860} (Ctrl-C to stop)."
echo 'From a terminal instead:  .venv/bin/rag ask "your question"   (see .venv/bin/rag --help)'
exec .venv/bin/rag serve --port "${PORT:-7860}" "$@"
