"""Static files under fingerprinted URLs, kept by browsers for a year, and every text answer compressed.

`url_for('static', filename='js/visit.js')` gives `/static/js/visit.js?v=<hash of its content>`. That URL is
answered with `Cache-Control: public, max-age=31536000, immutable`: a phone that has the file never asks again,
and a changed file has a new URL, so it never keeps an old one. The same path without `?v=` (or with an old
hash: a page kept from before an update) still works, with a short cache.

Stylesheets name their images relatively (Leaflet's `url(images/layers.png)`): those are rewritten to the
images' fingerprinted URLs when the stylesheet is read, so the images are kept for a year too, and the
stylesheet's own hash changes when one of its images does.

Flask-Compress compresses (Brotli, else gzip) HTML, JSON, CSS, JavaScript and SVG of 500 bytes and more; streamed
answers (XLSX and CSV exports) pass untouched and keep streaming. A static file is answered from memory (not
streamed, so it is compressed), and its compressed body is computed once per hash and encoding.
"""

import gzip
import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, Response, abort, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
#: A path without its fingerprint (or with one of an earlier version): kept a little, then asked again.
SHORT = "public, max-age=300"
DOCUMENT_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "Referrer-Policy",
)
#: Files: the static folder, and the app's icons (drawn by the server, offline/assets.py).
LEAN_ENDPOINTS = frozenset({"static", "offline.icon"})
#: Compressed when asked; images, PDF and XLSX are compressed already, and CSV exports stream as they are.
COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "application/problem+json",
    "image/svg+xml",
    "text/plain",
)
#: url(...) in a stylesheet naming a file beside it: not data:, not absolute, not a fragment (VML behaviour).
CSS_URL = re.compile(r"""url\(\s*(['"]?)(?![a-z]+:|/|#)([^'")?#\s]+)\1\s*\)""", re.IGNORECASE)
#: Leaflet finds its default marker images by reading this URL back from its stylesheet, and expects it to end in
#: "marker-icon.png": left as it is (Leaflet's JavaScript builds those image URLs itself, never fingerprinted).
CSS_KEEP = ("marker-icon.png",)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    digest: str
    mimetype: str
    stamp: tuple  # (mtime_ns, size) of the file, and the digests of the files a stylesheet names


class StaticFiles:
    """The files under one folder, read once, read again when they change on disk (so edits show at once)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = str(folder)
        self.files: dict[str, StaticFile] = {}

    def get(self, name: str | None) -> StaticFile | None:
        path = safe_join(self.folder, name) if name else None
        try:
            stat = os.stat(path) if path else None
        except OSError:
            return None
        if stat is None or not os.path.isfile(path):
            return None
        kept = self.files.get(name)
        own = (stat.st_mtime_ns, stat.st_size)
        if kept is not None and kept.stamp[0] == own and self._names_unchanged(name, kept.stamp[1:]):
            return kept
        body = Path(path).read_bytes()
        named: tuple = ()
        if name.endswith(".css"):
            body, named = self._fingerprint_css(name, body)
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        found = StaticFile(
            body=body,
            digest=hashlib.sha256(body).hexdigest()[:12],
            mimetype=mimetype,
            stamp=(own, *named),
        )
        self.files[name] = found
        return found

    def version(self, name: str) -> str | None:
        found = self.get(name)
        return found.digest if found else None

    def _names_unchanged(self, name: str, named: tuple) -> bool:
        return all(self.version(other) == digest for other, digest in named)

    def _fingerprint_css(self, name: str, body: bytes) -> tuple[bytes, tuple]:
        base = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
        named = []

        def rewrite(match: re.Match) -> str:
            relative = match.group(2)
            other = os.path.normpath(base + relative).replace(os.sep, "/")
            digest = None if relative.rsplit("/", 1)[-1] in CSS_KEEP else self.version(other)
            if digest is None:
                return match.group(0)
            named.append((other, digest))
            return f"url({match.group(1)}{relative}?v={digest}{match.group(1)})"

        text = CSS_URL.sub(rewrite, body.decode("utf-8"))
        return text.encode("utf-8"), tuple(named)


class CompressedStatic:
    """Flask-Compress's cache of compressed bodies, for static files only (keyed by name and hash): each is
    compressed once per encoding, at the highest level (Brotli 11, gzip 9) since it is not done per request.
    Every other answer (a page, an API answer) is compressed by Flask-Compress each time, at its faster levels."""

    LEVELS = {"br": lambda body: brotli.compress(body, quality=11), "gzip": lambda body: gzip.compress(body, 9)}

    def __init__(self, files: StaticFiles):
        self.files = files
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        if key in self.data:
            return self.data[key]
        algorithm, _, name_digest = key.partition(";")
        name, _, digest = name_digest.rpartition("@")
        found = self.files.get(name) if name else None
        if found is None or found.digest != digest or algorithm not in self.LEVELS:
            return None  # Flask-Compress compresses it itself
        self.data[key] = self.LEVELS[algorithm](found.body)
        return self.data[key]

    def set(self, key: str, value: bytes) -> None:
        pass  # kept in get(), only for static files


class StaticFilesVaryOnlyOnEncoding(SecureCookieSessionInterface):
    """Flask-Login looks at the session after every answer, so Flask adds `Vary: Cookie` to each, static files
    included: a phone would then download every file again once its cookies change (logging in again, switching
    the language), and no shared cache could keep them. A static file is the same whoever asks."""

    def save_session(self, app, session, response):
        if request.endpoint == "static":
            return  # nor any Set-Cookie: a public answer kept a year by a proxy must carry no one's session
        super().save_session(app, session, response)


def cache_key(req) -> str:
    found = getattr(req, "static_file", None) if req.endpoint == "static" else None
    return f"{req.view_args.get('filename')}@{found.digest}" if found else ""


def install(app: Flask) -> None:
    files = StaticFiles(app.static_folder)
    app.extensions["static_files"] = files
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSED_TYPES))
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)  # exports stream as they are written
    app.config.setdefault("COMPRESS_CACHE_BACKEND", lambda: CompressedStatic(files))
    app.config.setdefault("COMPRESS_CACHE_KEY", cache_key)
    app.extensions["compress"] = Compress(app)  # one per app: its cache holds this app's files

    @app.url_defaults
    def fingerprint(endpoint, values):
        if endpoint == "static" and "v" not in values:
            digest = files.version(values.get("filename"))
            if digest:
                values["v"] = digest

    def serve(filename: str):
        found = files.get(filename)
        if found is None:
            abort(404)
        request.static_file = found
        response = Response(found.body, mimetype=found.mimetype)
        response.set_etag(found.digest)
        response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == found.digest else SHORT
        return response.make_conditional(request)

    app.view_functions["static"] = serve
    app.session_interface = StaticFilesVaryOnlyOnEncoding()

    @app.after_request  # registered before security.install's hooks, so it runs after them
    def lean_static_headers(response):
        # The content policy, framing, permissions and referrer headers govern documents; on a script, a
        # stylesheet or a PNG they are ~480 bytes for nothing, on each of the files a cold page loads. An SVG
        # can be opened as a document: it keeps them. nosniff stays on every file.
        is_file = response.status_code in (200, 304) and response.mimetype not in ("image/svg+xml", "text/html")
        if request.endpoint in LEAN_ENDPOINTS and is_file:  # a 404 is an HTML page: it keeps them
            for header in DOCUMENT_HEADERS:
                response.headers.pop(header, None)
        return response


def static_files(app: Flask) -> StaticFiles:
    return app.extensions["static_files"]


def precompress(app: Flask, names) -> None:
    """Compress these files now, at Brotli 11 and gzip 9 (~0.1 s for the app shell), rather than in the first
    request for each: gunicorn.conf.py calls it as each worker starts, before it takes a request."""
    files, cache = static_files(app), app.extensions["compress"].cache
    for name in names:
        found = files.get(name)
        for algorithm in CompressedStatic.LEVELS if found else ():
            cache.get(f"{algorithm};{name}@{found.digest}")
