"""Serve a built site on 127.0.0.1, optionally gzip-compressed as a web host would.

GitHub Pages (where the book is published) sends HTML, CSS, JavaScript, SVG and JSON
gzip-compressed; Python's ``http.server`` sends everything plainly. Page-weight and
Lighthouse measurements (``tools/page_weight.py``, ``tools/lighthouse.sh``) use this
server so that they see what readers' browsers get.

usage: python tools/serve_site.py SITE_DIR [--port N] [--plain]
"""

from __future__ import annotations

import argparse
import functools
import gzip
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Types a web host compresses (fonts in woff2 and images in PNG are compressed already).
COMPRESSIBLE = (
    "text/", "application/javascript", "application/json", "image/svg+xml",
    "application/x-ipynb+json", "application/xml",
)


class Handler(SimpleHTTPRequestHandler):
    """Static files; gzip for compressible types when ``compress`` and asked for."""

    compress = True
    _cache: dict[tuple[str, float], bytes] = {}

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "application/javascript",
        ".svg": "image/svg+xml",
        ".ipynb": "application/x-ipynb+json",
        ".woff2": "font/woff2",
    }

    def log_message(self, format, *args):  # quiet
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        ctype = self.guess_type(str(path))
        if not (self.compress and wants_gzip and path.is_file() and ctype.startswith(COMPRESSIBLE)):
            return super().send_head()
        key = (str(path), path.stat().st_mtime)
        body = self._cache.get(key)
        if body is None:
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            self._cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        import io

        return io.BytesIO(body)


def serve(site: Path, port: int = 0, *, compress: bool = True) -> tuple[ThreadingHTTPServer, str]:
    """Start serving ``site`` in a background thread; return the server and its base URL."""
    handler = functools.partial(
        type("SiteHandler", (Handler,), {"compress": compress, "_cache": {}}),
        directory=str(site),
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--plain", action="store_true", help="no compression")
    args = parser.parse_args()
    server, url = serve(args.site, args.port, compress=not args.plain)
    print(f"serving {args.site} at {url} ({'plain' if args.plain else 'gzip'})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
