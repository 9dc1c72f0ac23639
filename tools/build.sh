#!/usr/bin/env bash
# Build a Jupyter Book from scratch: wipe the previous build, then execute every page.
#
# usage: tools/build.sh [BOOK_DIR [OUTPUT_DIR]]
#   BOOK_DIR    the book's source root (default: the repository root)
#   OUTPUT_DIR  where _build/ goes (default: BOOK_DIR); the site is OUTPUT_DIR/_build/html
#
# Why wipe: Sphinx re-reads only pages whose source changed, so a changed helper
# module (book/optimlab) would otherwise leave stale outputs on unchanged pages, even
# with execute_notebooks: force. Deleting the doctrees and the executed notebooks makes
# every build execute every page against the current code.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
book="${1:-$here}"
out="${2:-$book}"
jb="${JUPYTER_BOOK:-$here/.venv/bin/jupyter-book}"
rm -rf "$out/_build/html" "$out/_build/.doctrees" "$out/_build/jupyter_execute"
export PYDEVD_DISABLE_FILE_VALIDATION=1 MPLBACKEND=Agg
exec "$jb" build "$book" --path-output "$out" --all --warningiserror --nitpick --keep-going
