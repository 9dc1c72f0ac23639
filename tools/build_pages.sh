#!/usr/bin/env bash
# Build only some pages, strictly, into a private folder: for working on a few pages
# without a full site build (and without touching the main _build/).
#
# usage: tools/build_pages.sh NAME PAGE [PAGE ...]    e.g. tools/build_pages.sh me problem
# The site lands in /tmp/jb-NAME/_build/html. Every other page of the book is replaced
# by a stub with its title and its labels, so links to it still resolve and only the
# named pages execute.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="$1"; shift
dir="/tmp/jb-$name"
rm -rf "$dir"; mkdir -p "$dir"
cp -a "$here/book" "$dir/book"
rm -rf "$dir/book/_build"
cp "$here/_config.yml" "$here/_toc.yml" "$dir/"
ln -s "$here/tools" "$dir/tools"  # the Sphinx extensions of _config.yml
header='---
jupytext: {text_representation: {extension: .md, format_name: myst, format_version: 0.13}}
kernelspec: {display_name: Python 3, language: python, name: python3}
---'
for page in "$dir"/book/*.md; do
  stem="$(basename "$page" .md)"
  case " $* " in *" $stem "*) continue ;; esac
  {
    echo "$header"
    echo
    grep -m1 '^# ' "$page" || echo "# $stem"
    grep -E '^\([^)]+\)=$' "$page" | sed 's/$/\n\n## (stub)\n/' || true
  } > "$page.stub"
  mv "$page.stub" "$page"
done
exec "$here/tools/build.sh" "$dir"
