"""axe-core (pinned in tools/axe/package-lock.json) over a built site, light and dark mode.

Used by the browser tests (tests/test_browser.py) and on its own for a summary:

usage: .venv/bin/python tools/axe_site.py SITE_HTML_DIR [PAGE ...]

prints, per rule, how many elements violate it on how many pages, in light and dark
mode, for the WCAG 2.0/2.1 A and AA rules and, separately, axe's best-practice rules.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
AXE_DIR = HERE / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BEST_PRACTICE_TAGS = ["best-practice"]

RUN_AXE = """async ([tags]) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
      tags: v.tags, nodes: v.nodes.map((n) => ({target: n.target.join(" "),
      summary: n.failureSummary}))}));
}"""

SET_MODE = """async (mode) => {
  // final colours, not a colour transition caught half-way
  if (!document.getElementById("axe-no-transitions")) {
    const style = document.createElement("style");
    style.id = "axe-no-transitions";
    style.textContent = "*,*::before,*::after{transition:none!important;animation:none!important}";
    document.head.appendChild(style);
  }
  document.documentElement.dataset.theme = mode;
  document.documentElement.dataset.mode = mode;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


def axe_source(install: bool = True) -> str:
    """The text of the pinned ``axe.min.js``; installs it with ``npm ci`` when missing."""
    if not AXE_JS.is_file() and install:
        try:
            subprocess.run(
                ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                cwd=AXE_DIR, check=True, capture_output=True, text=True, timeout=600,
            )
        except (OSError, subprocess.SubprocessError) as err:
            raise RuntimeError(
                f"axe-core is not installed and `npm ci` in {AXE_DIR} failed ({err}); "
                "install Node.js/npm and run it there"
            ) from err
    if not AXE_JS.is_file():
        raise RuntimeError(f"axe-core missing: run `npm ci` in {AXE_DIR}")
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(page, source: str, tags: list[str], mode: str | None = None) -> list[dict]:
    """axe's violations on a loaded Playwright ``page`` (in ``mode`` 'light'/'dark')."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    if mode is not None:
        page.emulate_media(color_scheme=mode)
        page.evaluate(SET_MODE, mode)
    return page.evaluate(RUN_AXE, [tags])


KINDS = {"wcag": WCAG_TAGS, "best-practice": BEST_PRACTICE_TAGS}


def run_axe_by_kind(page, source: str, mode: str | None = None) -> dict[str, list[dict]]:
    """One axe run over the WCAG and the best-practice rules together, its violations
    sorted back by kind: ``{"wcag": [...], "best-practice": [...]}``. axe runs every
    rule that carries any of the tags asked for, so this finds exactly what one run per
    kind finds, in half the time; a rule tagged both ways is listed under both."""
    found = run_axe(page, source, [tag for tags in KINDS.values() for tag in tags], mode)
    return {kind: [v for v in found if set(v["tags"]) & set(tags)]
            for kind, tags in KINDS.items()}


def main() -> int:
    sys.path.insert(0, str(HERE))
    from page_weight import CHROMIUM, toc_pages
    from playwright.sync_api import sync_playwright
    from serve_site import serve

    site = Path(sys.argv[1])
    pages = sys.argv[2:] or toc_pages()
    source = axe_source()
    server, base = serve(site)
    counts = {key: Counter() for key in ("wcag", "best-practice")}
    on_pages = {key: {} for key in counts}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            # offline, as in the browser tests: other hosts get an empty answer
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.startswith(base)
                          else route.fulfill(status=200, body=""))
            for name in pages:
                page = context.new_page()
                response = page.goto(base + name + ".html", wait_until="load")
                if response is None or response.status >= 400:
                    page.close()
                    continue
                page.wait_for_load_state("networkidle")
                for mode in ("light", "dark"):
                    for key, found in run_axe_by_kind(page, source, mode).items():
                        for v in found:
                            rule = f"{v['id']} ({mode})"
                            counts[key][rule] += len(v["nodes"])
                            on_pages[key].setdefault(rule, set()).add(name)
                page.close()
            browser.close()
    finally:
        server.shutdown()
    for key in counts:
        total = sum(counts[key].values())
        print(f"{key}: {total} violating elements")
        for rule, n in counts[key].most_common():
            print(f"  {rule:45} {n:5d} nodes on {len(on_pages[key][rule])} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
