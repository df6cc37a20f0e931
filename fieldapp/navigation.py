"""Where a page sends the user next, decided in one place: only ever within this site."""

import re
from urllib.parse import unquote, urlsplit

#: What browsers drop from a URL before reading it (WHATWG URL: ASCII tab and newlines anywhere).
_DROPPED_BY_BROWSERS = re.compile(r"[\t\n\r]")
#: Any other control character (or DEL) is no part of a path we ever link to.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`.

    The check runs on what a browser would make of the value, not on the value itself: browsers drop tabs
    and newlines and read a backslash as a slash, so "/\\t/evil.example" and "/\\\\evil.example" both mean
    "//evil.example", another host. What is left must be an absolute path with no scheme and no host, and
    stays so when decoded once more (a proxy or a client that decodes "%09" or "%5C" must not find a host).
    """
    if not target:
        return default
    return target if _on_this_site(target) and _on_this_site(unquote(target)) else default


def _on_this_site(target: str) -> bool:
    seen = _DROPPED_BY_BROWSERS.sub("", target).replace("\\", "/")
    if _CONTROL.search(seen):
        return False
    parts = urlsplit(seen)
    return not parts.scheme and not parts.netloc and seen.startswith("/") and not seen.startswith("//")
