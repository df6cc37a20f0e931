"""Door-tag labels drawn with Pillow: a QR of the tag URL, its short code, the address in Chinese.

A4 sheets of 3 × 8 labels of 70 × 37 mm (the common 24-up label paper), drawn at 300 dpi in black
and white (crisp for laser printers, small as CCITT G4 in the PDF). The CJK font is found on the
machine at run time (Debian's fonts-noto-cjk, or FIELDAPP_CJK_FONT), never shipped with the code.
"""

import glob
import io
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

DPI = 300
MM = DPI / 25.4
PAGE = (round(210 * MM), round(297 * MM))
COLUMNS, ROWS = 3, 8
LABEL = (round(70 * MM), round(37 * MM))
#: Centres the 3 × 8 grid on the sheet (the paper's labels start 0.6 mm from the top).
OFFSET = ((PAGE[0] - COLUMNS * LABEL[0]) // 2, (PAGE[1] - ROWS * LABEL[1]) // 2)
PER_PAGE = COLUMNS * ROWS
QR_MASK = 4
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


class FontMissing(RuntimeError):
    """No font with Chinese glyphs on this machine: labels would print boxes instead of addresses."""

    message = _l("No Chinese font is installed on the server (Debian: apt-get install fonts-noto-cjk).")


@dataclass
class Label:
    """What one label shows."""

    url: str
    short_code: str
    #: Small address lines above the door, e.g. ["东门社区 一网格", "3号楼"].
    address: list[str]
    #: The big line: the door ("2单元 502"), or the words of a blank tag.
    door: str


def font_file() -> tuple[str, int]:
    """(path, face index) of a Simplified Chinese font: FIELDAPP_CJK_FONT, Noto CJK, or what fontconfig finds."""
    paths = [os.environ.get("FIELDAPP_CJK_FONT", ""), *FONT_CANDIDATES]
    paths += sorted(glob.glob("/usr/share/fonts/**/*CJK*.tt[cf]", recursive=True))
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        paths.append(found)
    for path in paths:
        if path and os.path.isfile(path):
            return path, simplified_face(path)
    raise FontMissing(str(FontMissing.message))


def simplified_face(path: str) -> int:
    """In a font collection (.ttc), the face for Simplified Chinese ("... SC")."""
    if not path.lower().endswith(".ttc"):
        return 0
    for index in range(12):
        try:
            family = ImageFont.truetype(path, 10, index=index).getname()[0]
        except OSError:
            break
        if family.endswith(" SC"):
            return index
    return 0


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    path, index = cached_font_file()
    return ImageFont.truetype(path, size, index=index)


@lru_cache(maxsize=1)
def cached_font_file() -> tuple[str, int]:
    return font_file()


def qr_image(url: str, size: int) -> Image.Image:
    """The QR of `url`, scaled by a whole number of pixels per module so every module stays square.

    The mask pattern is fixed: searching the best of eight took over half the time of a label,
    and any of the eight is valid for every reader (the search only evens out dark and light).
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, box_size=1, mask_pattern=QR_MASK)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = Image.frombytes("L", (len(matrix), len(matrix)), pixels)
    scale = max(1, size // image.width)
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


def fit(text: str, width: int, size: int, minimum: int) -> ImageFont.FreeTypeFont:
    """The largest font size not above `size` at which `text` fits in `width` pixels."""
    while size > minimum and font(size).getlength(text) > width:
        size -= 2
    return font(size)


def draw_label(label: Label) -> Image.Image:
    """One label, 70 × 37 mm at 300 dpi, greyscale."""
    image = Image.new("L", LABEL, 255)
    draw = ImageDraw.Draw(image)
    pad = round(1.5 * MM)
    qr = qr_image(label.url, round(29 * MM))
    image.paste(qr, (pad, pad))
    code = " ".join((label.short_code[:4], label.short_code[4:]))
    code_font = fit(code, qr.width, round(4 * MM), 20)
    draw.text((pad + qr.width // 2, pad + qr.height + round(0.5 * MM)), code, font=code_font, fill=0, anchor="mt")

    left = pad * 2 + qr.width
    width = LABEL[0] - left - pad
    y = pad + round(1 * MM)
    for line in label.address:
        small = fit(line, width, round(3.6 * MM), 18)
        draw.text((left, y), line, font=small, fill=0)
        y += round(5 * MM)
    door_font = fit(label.door, width, round(7 * MM), 24)
    draw.text((left, y + round(1 * MM)), label.door, font=door_font, fill=0)
    return image


def bilevel(image: Image.Image) -> Image.Image:
    """Black and white by threshold (no dithering): sharp QR edges, small CCITT-compressed pages."""
    return image.point(lambda value: 255 if value > 150 else 0).convert("1", dither=Image.Dither.NONE)


def draw_pages(labels: list[Label]) -> list[Image.Image]:
    pages = []
    for start in range(0, len(labels), PER_PAGE):
        page = Image.new("L", PAGE, 255)
        for position, label in enumerate(labels[start : start + PER_PAGE]):
            row, column = divmod(position, COLUMNS)
            page.paste(draw_label(label), (OFFSET[0] + column * LABEL[0], OFFSET[1] + row * LABEL[1]))
        pages.append(bilevel(page))
    return pages


def pages_pdf(pages: list[Image.Image], title: str) -> bytes:
    """A PDF of A4 pages drawn at DPI (door tags here, login cards in admin/login_cards.py); a blank page if none."""
    pages = pages or [bilevel(Image.new("L", PAGE, 255))]
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=DPI, save_all=True, append_images=pages[1:], title=title)
    return out.getvalue()


def sheet_pdf(labels: list[Label], title: str = "fieldapp door tags") -> bytes:
    """An A4 PDF, 24 labels a page, to print at 100 % ("actual size")."""
    return pages_pdf(draw_pages(labels), title)


def label_png(label: Label) -> bytes:
    out = io.BytesIO()
    image = bilevel(draw_label(label))
    image.save(out, "PNG", dpi=(DPI, DPI))  # optimize=True: 8 % smaller, 4 × slower (17 vs 5 ms a label)
    return out.getvalue()


def label_file_name(number: int, label: Label) -> str:
    """In sheet order, with the door, safe on every file system: 0007-2单元-502-AB3K7QXM.png."""
    door = re.sub(r"[^\w]+", "-", label.door).strip("-")
    return f"{number:04d}-{door}-{label.short_code}.png"


def labels_zip(labels: list[Label]) -> bytes:
    """One PNG per label (for label printers and sticker shops), in a ZIP; PNGs are stored, not recompressed."""
    return zip_of(labels, [label_png(label) for label in labels])


def zip_of(labels: list[Label], pngs: list[bytes]) -> bytes:
    """The ZIP of labels already drawn (`pngs`, in the labels' order)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for number, (label, png) in enumerate(zip(labels, pngs, strict=True), start=1):
            archive.writestr(label_file_name(number, label), png)
    return out.getvalue()
