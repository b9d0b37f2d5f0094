#!/usr/bin/env bash
# Create .venv and install the project into it. Usage: scripts/install.sh [EXTRAS]
# torch is installed first, on its own: the pinned CPU build lies on these machines' disk,
# and letting pip resolve it through sentence-transformers would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
[ -x .venv/bin/python ] || python3 -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
# Not shown: the mirror's missing index folders, and the venv's pip 23 saying "lxml does not
# provide the extra 'html_clean'" (it does not match extras by their normalised names; lxml
# provides html-clean, and lxml_html_clean is a dependency of ours). A newer pip would not say
# it, but prints setuptools' editable-install warning instead.
quiet() { grep -v -e "^WARNING: Location" -e "does not provide the extra 'html_clean'" >&2; }
.venv/bin/python -m pip install -q "torch==2.13.0" 2> >(quiet)
.venv/bin/python -m pip install -q -e ".${extras:+[$extras]}" 2> >(quiet)
