"""Writes static/vendor/bootstrap-5.3.9/bootstrap.csp.min.css: Bootstrap's CSS with its data: icons as files.

Bootstrap draws its small icons (select arrow, check marks, navbar toggler, close button…) with data: URLs, which our
Content-Security-Policy (img-src 'self') refuses. This copies bootstrap.min.css with each of those URLs replaced by
the same SVG served from static/img/bootstrap/, so no data: URL exists however the stylesheets load. Run it again
after upgrading Bootstrap:  python scripts/bootstrap_csp.py
"""

import hashlib
import re
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "static/vendor/bootstrap-5.3.9/bootstrap.min.css"
TARGET = SOURCE.with_name("bootstrap.csp.min.css")
ICONS = ROOT / "static/img/bootstrap"
DATA_URL = re.compile(r'url\("data:image/svg\+xml,([^"]*)"\)')

# Readable names for the icons we know; any other gets a name from its content.
NAMES = {
    "stroke='%23343a40'": "select.svg",
    "m6 10 3 3 6-6": "check.svg",
    "M6 10h8": "indeterminate.svg",
    "r='2' fill='%23fff'": "radio.svg",
    "rgba%280, 0, 0, 0.25%29": "switch-off.svg",
    "%2386b7fe": "switch-focus.svg",
    "r='3' fill='%23fff'": "switch-on.svg",
    "%23198754": "valid.svg",
    "%23dc3545": "invalid.svg",
    "rgba%2833, 37, 41, 0.75%29": "toggler-light.svg",
    "rgba%28255, 255, 255, 0.55%29": "toggler-dark.svg",
    "fill='%23000'": "close.svg",
    "stroke='%23212529'": "accordion.svg",
    "stroke='%23052c65'": "accordion-active.svg",
}


def file_for(encoded: str) -> str:
    name = next((name for key, name in NAMES.items() if key in encoded), None)
    if name is None:
        name = f"icon-{hashlib.sha256(encoded.encode()).hexdigest()[:10]}.svg"
    svg = urllib.parse.unquote(encoded)
    if name == "toggler-dark.svg":  # the toggler's lines on our dark top bar: brighter than Bootstrap's 55 %
        svg = svg.replace("rgba(255, 255, 255, 0.55)", "rgba(255, 255, 255, 0.9)")
    (ICONS / name).write_text(svg + "\n")
    return name


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    css = SOURCE.read_text()
    css = DATA_URL.sub(lambda match: f'url("../../img/bootstrap/{file_for(match[1])}")', css)
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    TARGET.write_text(css)
    assert "data:" not in css, "a data: URL is left"


if __name__ == "__main__":
    main()
