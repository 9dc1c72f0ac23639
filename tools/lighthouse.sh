#!/usr/bin/env bash
# Lighthouse (pinned: tools/lighthouse/package-lock.json, lighthouse 12.2.3) on a built
# site served with gzip compression as GitHub Pages serves it (tools/serve_site.py),
# in Debian's Chromium, mobile (Lighthouse's default: Moto G Power, slow 4G, 4x CPU
# slowdown, simulated). Each page is measured RUNS times and the median score kept.
#
# usage: tools/lighthouse.sh SITE_HTML_DIR [PAGE ...]
#   PAGE      a page path without .html (default: book/index book/minibatch_sgd
#             book/build_report)
#   RUNS=3    runs per page (median reported)
#   MIN=90    exit status 1 if a page's median performance score is below MIN
#   PLAIN=1   serve without compression
#   FORM=desktop  desktop preset instead of mobile
# Reports (JSON) land in tools/lighthouse/lighthouse-reports/ (ignored by git).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
site="$(cd "${1:?usage: tools/lighthouse.sh SITE_HTML_DIR [PAGE ...]}" && pwd)"; shift
pages=("$@")
[ ${#pages[@]} -gt 0 ] || pages=(book/index book/minibatch_sgd book/build_report)
runs="${RUNS:-3}"; min="${MIN:-90}"
lhdir="$here/tools/lighthouse"
python="$here/.venv/bin/python"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

if [ ! -x "$lhdir/node_modules/.bin/lighthouse" ]; then
  npm ci --prefix "$lhdir" --ignore-scripts --no-audit --no-fund >/dev/null
fi
out="$lhdir/lighthouse-reports"; mkdir -p "$out"

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
serve_args=("$site" --port "$port"); [ "${PLAIN:-0}" = 1 ] && serve_args+=(--plain)
"$python" "$here/tools/serve_site.py" "${serve_args[@]}" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1
done

preset=(); [ "${FORM:-mobile}" = desktop ] && preset=(--preset=desktop)
for page in "${pages[@]}"; do
  for i in $(seq "$runs"); do
    "$lhdir/node_modules/.bin/lighthouse" "http://127.0.0.1:$port/$page.html" \
      "${preset[@]}" --quiet --output=json \
      --output-path="$out/$(echo "$page" | tr / _)-$i.json" \
      --only-categories=performance,accessibility,best-practices,seo \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu" || true
  done
done

"$python" - "$out" "$runs" "$min" "${pages[@]}" <<'PY'
import json, statistics, sys
from pathlib import Path
out, runs, minimum, pages = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
cats = ["performance", "accessibility", "best-practices", "seo"]
print(f"{'page':24} " + " ".join(f"{c[:13]:>13}" for c in cats) + "   runs (performance)")
failed = []
for page in pages:
    reports = []
    for i in range(1, runs + 1):
        path = out / f"{page.replace('/', '_')}-{i}.json"
        if path.is_file():
            reports.append(json.loads(path.read_text()))
    def score(r, c):
        s = r.get("categories", {}).get(c, {}).get("score")
        return None if s is None else round(100 * s)
    med = {}
    for c in cats:
        vals = [v for v in (score(r, c) for r in reports) if v is not None]
        med[c] = statistics.median(vals) if vals else None
    perf_runs = [score(r, "performance") for r in reports]
    print(f"{page:24} " + " ".join(f"{'-' if med[c] is None else med[c]:>13}" for c in cats)
          + f"   {perf_runs}")
    errors = sorted({f"{a['id']}: {a.get('errorMessage')}" for r in reports
                     for a in r.get("audits", {}).values() if a.get("errorMessage")})
    for e in errors:
        print(f"    audit error: {e[:160]}")
    if med["performance"] is None or med["performance"] < minimum:
        failed.append(page)
if failed:
    print(f"performance below {minimum:g}: {', '.join(failed)}")
    sys.exit(1)
PY
