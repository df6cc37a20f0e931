"""What the service worker keeps on the phone, and the version that tells phones to refresh it."""

import hashlib
import io
from functools import cache
from pathlib import Path

from flask import current_app
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
#: The app shell: every page needs these, and the offline pages need nothing else.
SHELL_STATIC = (
    "css/app.css",
    "vendor/htmx.min.js",
    "js/common.js",
    "js/outbox.js",
    "js/visit.js",
    "js/offline.js",
    "js/scan.js",
)
#: Only for phones without a built-in QR reader; kept too, so a tag can be scanned in a basement.
SCAN_FALLBACK_STATIC = ("vendor/jsQR.js",)
ICON_SIZES = (192, 512)
BRAND = (179, 38, 30)


@cache
def templates_digest() -> str:
    """The templates the offline pages and the worker are made of: read once per process."""
    digest = hashlib.sha256()
    for template in ("base.html", "offline/shell.html", "offline/sw.js", "sites/_visit_form.html"):
        digest.update((ROOT / "templates" / template).read_bytes())
    return digest.hexdigest()


def shell_version() -> str:
    """Changes whenever a cached file or the offline page could have changed: phones then fetch them anew.
    The files are named by their fingerprints (fieldapp/static_files.py), so a file changed on disk changes it
    at once, as it changes the file's URL."""
    from fieldapp.static_files import static_files

    files = static_files(current_app)
    digest = hashlib.sha256(templates_digest().encode())
    for name in (*SHELL_STATIC, *SCAN_FALLBACK_STATIC):
        digest.update((files.version(name) or name).encode())
    return digest.hexdigest()[:12]


@cache
def icon_png(size: int) -> bytes:
    """The app icon, drawn here (no image file to ship): a door with a check mark on the brand red."""
    scale = size / 512
    image = Image.new("RGB", (size, size), BRAND)
    draw = ImageDraw.Draw(image)

    def box(x0, y0, x1, y1):
        return [round(v * scale) for v in (x0, y0, x1, y1)]

    draw.rounded_rectangle(box(156, 96, 356, 424), radius=round(14 * scale), fill="white")  # the door
    draw.rectangle(box(186, 126, 326, 424), fill=BRAND)
    draw.ellipse(box(292, 262, 312, 282), fill="white")  # its knob
    draw.line(
        [(round(x * scale), round(y * scale)) for x, y in ((206, 250), (246, 292), (312, 200))],
        fill="white",
        width=max(2, round(26 * scale)),
        joint="curve",
    )
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
