"""Where a page sends the user next, decided in one place: only ever within this site."""


def safe_next(target: str | None, default: str) -> str:
    """Only ever redirect within this site (a path, never //host or a scheme)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
