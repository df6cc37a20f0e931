"""An event's photo: resized on the server, its EXIF (with any GPS position) dropped, stored under a random name
in the instance folder, and handed only to users who may see the event's area (routes.photo)."""

import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from fieldapp.refusals import Refused

#: A phone photo as sent (a 12-megapixel JPEG is 3–6 MB); the form's whole body may be this large.
PHOTO_UPLOAD_MAX = 12 * 1024 * 1024
#: The longest side kept: enough to see the room and the banner, small enough for a weak signal.
PHOTO_SIDE = 1280
#: More pixels than any phone camera takes is a decompression bomb, not a photo.
PHOTO_PIXELS_MAX = 60_000_000
#: What Pillow may open: the formats phones and WeChat send.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")


def photos_dir() -> Path:
    """Where event photos live (EVENT_PHOTOS_DIR, else instance/event_photos), made private on first use."""
    folder = Path(current_app.config.get("EVENT_PHOTOS_DIR") or Path(current_app.instance_path) / "event_photos")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def not_a_photo() -> Refused:
    return Refused(_l("This file is not a photo we can read: send a JPEG or PNG picture."), "photo")


def save_photo(stream) -> str:
    """Read an uploaded picture, shrink it to PHOTO_SIDE, store it as a JPEG without metadata; its file name."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=PHOTO_FORMATS)
            if image.width * image.height > PHOTO_PIXELS_MAX:
                raise not_a_photo()
            image.load()
            image = ImageOps.exif_transpose(image)  # turned upright first: the orientation tag is dropped below
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise not_a_photo() from None
    image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    # A new RGB image from the pixels alone: no EXIF, no GPS, no comments, no ICC profile carried over.
    clean = Image.new("RGB", image.size, "white")
    clean.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
    name = f"{secrets.token_hex(16)}.jpg"
    clean.save(photos_dir() / name, "JPEG", quality=82, optimize=True)
    return name


def delete_photo(name: str | None) -> None:
    """Remove a stored photo nobody will point at (a retried submission's second copy)."""
    if name:
        (photos_dir() / name).unlink(missing_ok=True)


def photo_path(name: str) -> Path | None:
    """The stored file of a photo name we gave out, or None (a name is never a path: no folder parts)."""
    path = photos_dir() / Path(name).name
    return path if path.name == name and path.is_file() else None
