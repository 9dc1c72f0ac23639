#!/usr/bin/env bash
# Build the site from scratch; every page executes once, as a test of pytest --nbmake.
#
# usage: tools/build.sh [BOOK_DIR [OUTPUT_DIR]]
#   BOOK_DIR    the book's source root (default: the repository root)
#   OUTPUT_DIR  where _build/ goes (default: BOOK_DIR); the site is OUTPUT_DIR/_build/html
#
# 1. Wipe OUTPUT_DIR/_build: Sphinx re-reads only changed pages and jupyter-cache matches
#    a page by its code alone, so a changed helper module would otherwise leave stale
#    outputs. Every build executes every page against the current code.
# 2. tools/pages.py writes each page as a notebook (MyST-NB's reader) in a temporary
#    folder, then
#    pytest --nbmake executes them: the timing pages one at a time with nothing beside
#    them, then the rest two at a time (pytest-xdist). A failing or hanging cell fails
#    here, naming the page and the cell.
# 3. tools/pages.py hands those executions to MyST-NB through jupyter-cache, and
#    jupyter-book builds strictly (-W -n --keep-going) from them without executing again.
# Where the system allows it (root, or user namespaces), all of it runs in a network
# namespace with loopback only: the build proves the site needs no network.
# Everything printed also goes to OUTPUT_DIR/_build/build.log.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
book="$(cd "${1:-$here}" && pwd)"
out="$(mkdir -p "${2:-$book}" && cd "${2:-$book}" && pwd)"
bin="${VENV_BIN:-$here/.venv/bin}"

if [ "${BUILD_NETWORK:-}" != "loopback" ] && command -v ip >/dev/null \
    && unshare -n true 2>/dev/null; then
  export BUILD_NETWORK=loopback
  exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$0" "$book" "$out"
fi

rm -rf "$out/_build"
mkdir -p "$out/_build"
exec > >(tee "$out/_build/build.log") 2>&1
echo "[build] network: ${BUILD_NETWORK:-as the machine has it (no unshare here)}"

unset MPLBACKEND  # the kernels keep ipykernel's inline backend (figures as images)
export PYDEVD_DISABLE_FILE_VALIDATION=1
# The pages import the repository's helper package (book/optimlab), not an installed one.
export PYTHONPATH="$book/book${PYTHONPATH:+:$PYTHONPATH}"

timeout="$("$bin/python" -c 'import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["execute"]["timeout"])' "$book/_config.yml")"
# nbmake skips anything under a folder named _build: the notebooks go to a temporary one.
pages="$(mktemp -d)"
trap 'rm -rf "$pages"' EXIT
"$bin/python" "$here/tools/pages.py" notebooks "$book" "$pages"
nbmake=("$bin/python" -m pytest --nbmake --overwrite --nbmake-timeout="$timeout"
        -p no:cacheprovider --rootdir="$pages" -c /dev/null -q)
start=$SECONDS
if [ -s "$pages/alone.txt" ]; then
  mapfile -t alone < "$pages/alone.txt"
  echo "[build] alone:" "${alone[@]##*/}"
  "${nbmake[@]}" "${alone[@]}"
fi
if [ -s "$pages/beside.txt" ]; then
  mapfile -t beside < "$pages/beside.txt"
  echo "[build] two at a time:" "${beside[@]##*/}"
  "${nbmake[@]}" -n 2 "${beside[@]}"
fi
echo "[build] pages executed in $((SECONDS - start)) s"
"$bin/python" "$here/tools/pages.py" cache "$book" "$pages" "$out"
"$bin/jupyter-book" build "$book" --path-output "$out" --all \
  --warningiserror --nitpick --keep-going
