#!/usr/bin/env bash
# Build a Jupyter Book from scratch: wipe the previous build, then execute every page.
#
# usage: tools/build.sh [BOOK_DIR]   (default: the repository root)
#
# Why wipe: Sphinx re-reads only pages whose source changed, so a changed helper
# module (book/optimlab) would otherwise leave stale outputs on unchanged pages, even
# with execute_notebooks: force. Deleting the doctrees and the executed notebooks makes
# every build execute every page against the current code.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
book="${1:-$here}"
jb="${JUPYTER_BOOK:-$here/.venv/bin/jupyter-book}"
rm -rf "$book/_build/html" "$book/_build/.doctrees" "$book/_build/jupyter_execute"
export PYDEVD_DISABLE_FILE_VALIDATION=1
exec "$jb" build "$book" --all --warningiserror --nitpick --keep-going
