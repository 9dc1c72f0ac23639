"""Page weight of a built site, as a browser loads it: requests and bytes per page.

Loads every page of ``_toc.yml`` in Debian's Chromium
through Playwright, from ``tools/serve_site.py`` (gzip like GitHub Pages, or
``--plain``), lets every image load (lazy ones too) and MathJax (a key press, as a
reader's first interaction) and counts what came over the wire: requests, bytes after
decompression ("uncompressed") and bytes transferred.

usage: .venv/bin/python tools/page_weight.py SITE_HTML_DIR [--plain] [--json OUT]
       [--max-mb 1.5]   (exit status 1 if a page's uncompressed weight is above it)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from serve_site import serve  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
EAGER_IMAGES = """async () => {
  const images = [...document.images];
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.complete ? null :
      new Promise((done) => { img.onload = img.onerror = done; })));
}"""


def toc_pages(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Docnames of ``_toc.yml`` in reading order (root first, then parts and chapters)."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", [{"chapters": toc.get("chapters")}]):
        walk(part.get("chapters"))
    return [p.removesuffix(".md").removesuffix(".ipynb") for p in pages]


def measure(site: Path, pages: list[str], *, compress: bool = True) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    server, base = serve(site, compress=compress)
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for name in pages:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                # offline: other hosts get an empty answer (and are not counted)
                context.route("**/*", lambda route: route.continue_()
                              if route.request.url.startswith(base)
                              else route.fulfill(status=200, body=""))
                page = context.new_page()
                responses = []
                page.on("response", lambda r, responses=responses: responses.append(r))
                page.goto(base + (name + ".html" if name else ""), wait_until="load")
                page.evaluate(EAGER_IMAGES)
                # a reader's first key press: MathJax loads on pages with math
                # (tools/theme/static/lightpages-math.js), so it is counted
                page.keyboard.press("Shift")
                page.wait_for_timeout(500)
                page.wait_for_load_state("networkidle")
                rows = []
                for r in responses:
                    if not r.url.startswith(base):
                        continue
                    try:
                        body = len(r.body())
                    except Exception:  # redirects have no body
                        body = 0
                    sizes = r.request.sizes()
                    rows.append({"url": r.url.removeprefix(base), "status": r.status,
                                 "bytes": body,
                                 "transferred": sizes["responseBodySize"]
                                 + sizes["responseHeadersSize"]})
                results[name or "/"] = {
                    "requests": len(rows),
                    "bytes": sum(r["bytes"] for r in rows),
                    "transferred": sum(r["transferred"] for r in rows),
                    "resources": sorted(rows, key=lambda r: -r["bytes"]),
                }
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built html directory")
    parser.add_argument("--plain", action="store_true", help="serve without compression")
    parser.add_argument("--json", type=Path, help="write every resource of every page here")
    parser.add_argument("--max-mb", type=float, default=None)
    parser.add_argument("--top", type=int, default=0, help="list the N largest resources")
    args = parser.parse_args()
    pages = toc_pages()
    results = measure(args.site, pages, compress=not args.plain)
    print(f"{'page':32} {'requests':>8} {'MB':>7} {'MB sent':>8}")
    over = []
    for name, r in results.items():
        mb, sent = r["bytes"] / 1e6, r["transferred"] / 1e6
        print(f"{name:32} {r['requests']:8d} {mb:7.2f} {sent:8.2f}")
        for row in r["resources"][: args.top]:
            print(f"    {row['bytes'] / 1e3:8.1f} kB  {row['url']}")
        if args.max_mb is not None and mb > args.max_mb:
            over.append(name)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if over:
        print(f"over {args.max_mb} MB: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
