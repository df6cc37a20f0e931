"""What every response tells the browser about itself: Content-Security-Policy and the other security headers
(Flask-Talisman), HSTS over HTTPS, and `no-store` on everything that may show personal data.

Every script and style is a file under static/ (no inline code, no `style=""`, htmx without eval), so the
policy needs no 'unsafe-inline' or 'unsafe-eval': an injected `<script>` or `onclick` does not run.
"""

import os
from urllib.parse import urlsplit

from flask import Flask, g, request
from flask_talisman import Talisman

#: 'self' for everything; nothing may frame us (clickjacking a door form), no plugins, no <base> tricks.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: The camera (scan page) and the position (door form) for our own pages only; nothing else.
PERMISSIONS_POLICY = {
    "camera": "(self)",
    "geolocation": "(self)",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
    "browsing-topics": "()",
}

#: Answers that carry nothing personal and keep their own caching: files, the service worker, the manifest.
PUBLIC_ENDPOINTS = frozenset({"static", "offline.service_worker", "offline.manifest", "offline.icon", "core.favicon"})

talisman = Talisman()


def secure_cookies() -> bool:
    """Session and remember-me cookies go only over HTTPS, unless FIELDAPP_SECURE_COOKIES=0 says the app is
    served on plain http (`make run` on a laptop or a LAN): a production server is safe without setting anything."""
    return os.environ.get("FIELDAPP_SECURE_COOKIES", "1").strip().lower() not in ("0", "false", "no", "off")


def allow_images_from(source: str) -> None:
    """This answer may also show images from `source` (e.g. `https://*.tianditu.gov.cn`): the map page's tiles.
    The one way a page widens the policy, for itself only; every other answer keeps 'self'."""
    g.extra_img_src = source


def tile_source(url_template: str) -> str | None:
    """The CSP source of a map tile URL template: its scheme and host, a `{s}` subdomain label as `*`
    (`https://t{s}.tianditu.gov.cn/...` → `https://*.tianditu.gov.cn`); None for anything but http(s)."""
    parts = urlsplit(url_template)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    labels = ["*" if "{s}" in label else label for label in parts.netloc.split(".")]
    return f"{parts.scheme}://{'.'.join(labels)}"


def _widen_img_src(response):
    source = g.get("extra_img_src")
    policy = response.headers.get("Content-Security-Policy")
    if source and policy:
        directives = [part.strip() for part in policy.split(";")]
        response.headers["Content-Security-Policy"] = "; ".join(
            f"{part} {source}" if part.split()[:1] == ["img-src"] else part for part in directives
        )
    return response


def install(app: Flask) -> None:
    # Registered before Talisman's own hook, so it runs after it (Flask runs after_request hooks in reverse) and
    # finds the policy Talisman wrote.
    app.after_request(_widen_img_src)
    talisman.init_app(
        app,
        # TLS ends at the operator's reverse proxy, which redirects http to https; answering plain http here
        # keeps `/healthz` and `make run` working. HSTS is sent whenever the request came over HTTPS.
        force_https=False,
        strict_transport_security=True,
        strict_transport_security_max_age=365 * 24 * 3600,
        strict_transport_security_include_subdomains=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        # Door-tag tokens are in our URLs (/h/<token>): never hand them to another site in a Referer. Not
        # no-referrer: over HTTPS Flask-WTF's CSRF check wants our own pages' Referer on every form post.
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        # Talisman would otherwise force these on; they are settled in create_app from FIELDAPP_SECURE_COOKIES.
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )

    @app.after_request
    def never_store_personal_data(response):
        # Pages and API answers may show names, phones and where volunteers walked: a shared phone or a proxy
        # must not keep them (nor show them with Back after logout). Static files keep their caching.
        if request.endpoint not in PUBLIC_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response
