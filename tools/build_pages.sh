#!/usr/bin/env bash
# Build only some pages, strictly, into a private folder: for working on a few pages
# without a full site build (and without touching the main _build/).
#
# usage: tools/build_pages.sh NAME PAGE [PAGE ...]    e.g. tools/build_pages.sh me problem
# The site lands in /tmp/jb-NAME/_build/html.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="$1"; shift
dir="/tmp/jb-$name"
rm -rf "$dir"; mkdir -p "$dir"
ln -s "$here/book" "$dir/book"
cp "$here/_config.yml" "$dir/"
first="$1"; shift
{
  echo "format: jb-book"
  echo "root: book/$first"
  if [ $# -gt 0 ]; then
    echo "chapters:"
    for p in "$@"; do echo "  - file: book/$p"; done
  fi
} > "$dir/_toc.yml"
exec "$here/tools/build.sh" "$dir"
