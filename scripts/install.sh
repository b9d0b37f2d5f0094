#!/usr/bin/env bash
# Create .venv and install the project into it. Usage: scripts/install.sh [EXTRAS]
# torch is installed first, on its own: the pinned CPU build lies on these machines' disk,
# and letting pip resolve it through sentence-transformers would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
[ -x .venv/bin/python ] || python3 -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
# A current pip: the venv's own (23.x) does not match extras by their normalised names, and
# warns "lxml does not provide the extra 'html_clean'" although lxml provides html-clean.
.venv/bin/python -m pip install -q --upgrade pip 2> >(grep -v "^WARNING: Location" >&2)
.venv/bin/python -m pip install -q "torch==2.13.0" 2> >(grep -v "^WARNING: Location" >&2)
.venv/bin/python -m pip install -q -e ".${extras:+[$extras]}" 2> >(grep -v "^WARNING: Location" >&2)
