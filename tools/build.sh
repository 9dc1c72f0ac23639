#!/usr/bin/env bash
# Build a Jupyter Book from scratch: wipe the previous build, then execute every page.
#
# usage: tools/build.sh [BOOK_DIR [OUTPUT_DIR]]
#   BOOK_DIR    the book's source root (default: the repository root)
#   OUTPUT_DIR  where _build/ goes (default: BOOK_DIR); the site is OUTPUT_DIR/_build/html
#
# Why wipe: Sphinx re-reads only pages whose source changed, and Jupyter Book's cache
# matches a page by its code alone, so a changed helper module (book/optimlab) would
# otherwise leave stale outputs on unchanged pages. Deleting the doctrees, the executed
# notebooks and the cache makes every build execute every page against the current code.
# XLA's compiled programs (_build/.jax_cache, tools/execute_pages.py) go too: entries
# cannot go stale, but each build compiles what it uses itself (or takes it from the
# page tests running beside it in `make test`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
book="${1:-$here}"
out="${2:-$book}"
jb="${JUPYTER_BOOK:-$here/.venv/bin/jupyter-book}"
rm -rf "$out/_build/html" "$out/_build/.doctrees" "$out/_build/jupyter_execute" \
  "$out/_build/.ipython" "$out/_build/.jupyter_cache" "$out/_build/.jax_cache"
# The kernels get a fresh, private IPython profile: nothing in ~/.ipython (startup
# scripts, extensions) can change a build, and tools/ipython_kernel_config.py drops
# ipykernel 7's start-up notice about TCP transport, so the log shows only real warnings.
mkdir -p "$out/_build/.ipython/profile_default"
cp "$here/tools/ipython_kernel_config.py" "$out/_build/.ipython/profile_default/"
export IPYTHONDIR="$out/_build/.ipython"
# No MPLBACKEND here: the kernels must keep ipykernel's inline backend, or figures
# would render as "<Figure ...>" text instead of images.
unset MPLBACKEND
export PYDEVD_DISABLE_FILE_VALIDATION=1
# Build-only checks (timing orderings, bit-level agreement) run here: optimlab/checks.py
export OPTIMLAB_BUILD_CHECKS=1
# The site always times in full: quick timing (fewer repeats) is for the test suite's
# own run of the pages only (tests/myst_nbmake.py, optimlab.timing.time_call).
unset OPTIMLAB_QUICK_TIMING
# Execute the pages first, two at a time and each timing page alone, into the build's
# fresh jupyter-cache; the build below reads their outputs from it (tools/execute_pages.py).
"$(dirname "$jb")/python" "$here/tools/execute_pages.py" "$book" "$out"
exec "$jb" build "$book" --path-output "$out" --all --warningiserror --nitpick --keep-going
