"""Per-route upload limits that hold before anything reads the body.

The app-wide MAX_CONTENT_LENGTH (256 KB: a phone's form) would refuse a roster file with 413 before
the view could raise its own limit: CSRFProtect parses the form in a before_request hook, so setting
`request.max_content_length` inside the view comes too late. Here the request asks its matched view
for its limit (`@upload_limit(...)`), whoever reads the body first.
"""

from flask import Request, current_app


def upload_limit(size: int):
    """This view accepts bodies up to `size` bytes (instead of MAX_CONTENT_LENGTH). Put it under the route."""

    def decorator(view):
        view.upload_limit = size
        return view

    return decorator


class UploadLimitedRequest(Request):
    """A request whose size limit is its view's `upload_limit`, else MAX_CONTENT_LENGTH."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        if current_app and self.url_rule is not None:
            limit = getattr(current_app.view_functions.get(self.endpoint), "upload_limit", None)
            if limit is not None:
                return limit
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
