#!/usr/bin/env bash
# README command (1): install, index seeds/ (only what changed), answer a sample question.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export HF_HUB_OFFLINE=1
.venv/bin/rag index seeds
question="Which two countries is India's Cabinet expected to approve critical-minerals agreements with?"
echo
echo "Q: $question"
.venv/bin/rag ask "$question"
echo
echo 'Ask more with:  .venv/bin/rag ask "your question"   (add --json for the full record; see .venv/bin/rag --help)'
