"""What the app accepts from a request at all, decided once for every route: numbers a database column holds,
text without NUL, JSON that parses without exhausting the stack. Malformed input is a 404 or a 400, never a 500.

- `<int:...>` in any URL is an INTEGER id: past INT32_MAX (or 0) no row can have it, so the URL matches nothing
  (404) instead of reaching PostgreSQL ("integer out of range") or SQLite's driver (overflow past 2**63).
- `request.args.get(name, type=int)` (and `getlist`, and the same on forms) treats a number outside the INTEGER
  range as not a number, so a route's default applies: `?page=99999999999999999999` is page 1's default, not an
  OFFSET no database takes.
- A NUL character in the path, the query or a plain form is refused with 400: PostgreSQL's text cannot hold it,
  and no field of ours has a use for it. (The API's JSON models refuse it per field with 422: NO_NUL.)
- A body may be as large as its view says (`@upload_limit(size)`: a roster file, a saved outbox), else
  MAX_CONTENT_LENGTH (a phone's form). The request asks its matched view, so the limit holds before anything
  reads the body: CSRFProtect parses the form in a before_request hook, before the view could raise it.
- JSON nested deeper than Python's stack (`[[[[...]]]]`, 256 KB of it) is "not JSON" (ValueError), as any other
  malformed body is, instead of a RecursionError.
"""

from flask import Flask, Request, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from fieldapp.limits import INT32_MAX


class IdConverter(IntegerConverter):
    """`<int:...>`: a positive id an INTEGER column can hold; anything larger matches no route (404)."""

    def __init__(self, map, fixed_digits=0, min=1, max=INT32_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def int32(value) -> int:
    """int(value), refusing (ValueError) what no INTEGER column or OFFSET could take."""
    number = int(value)
    if not -INT32_MAX - 1 <= number <= INT32_MAX:
        raise ValueError(f"{value!r} is out of range")
    return number


class BoundedParameters(ImmutableMultiDict):
    """Query and form parameters whose `type=int` means a number the database holds (see the module doc)."""

    def get(self, key, default=None, type=None):
        return super().get(key, default, int32 if type is int else type)

    def getlist(self, key, type=None):
        return super().getlist(key, int32 if type is int else type)


def upload_limit(size: int):
    """This view accepts bodies up to `size` bytes (instead of MAX_CONTENT_LENGTH). Put it under the route."""

    def decorator(view):
        view.upload_limit = size
        return view

    return decorator


class FieldappRequest(Request):
    parameter_storage_class = BoundedParameters

    @property
    def max_content_length(self) -> int | None:
        """Its view's `upload_limit` if it has one, else MAX_CONTENT_LENGTH (or what the view set itself)."""
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


class JSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:  # json's parser recurses per level; a deep body is malformed, not a crash
            raise ValueError("JSON nested too deeply") from error


def refuse_nul():
    """400 for a NUL in the path, the query or a form (PostgreSQL would fail on it with a 500)."""
    if "\x00" in request.path or any("\x00" in value for value in request.args.values()):
        abort(400)
    # Plain forms only: an upload's body is left to its route (and its size limit), JSON to the API's models.
    plain_form = request.method in ("POST", "PUT", "PATCH") and request.mimetype == "application/x-www-form-urlencoded"
    if plain_form and any("\x00" in value for value in request.form.values()):
        abort(400)


def install(app: Flask) -> None:
    app.request_class = FieldappRequest
    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)
    app.before_request(refuse_nul)
