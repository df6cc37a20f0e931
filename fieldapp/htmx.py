"""Page or fragment, decided in one place.

An htmx request (HX-Request, not a boosted navigation) gets only the partial it will swap
in; everything else gets the whole page, which includes the same partial. Responses vary
on HX-Request so no cache hands a fragment to a full page load.
"""

from flask import make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(page: str, fragment: str, status: int = 200, **context):
    response = make_response(render_template(fragment if is_htmx() else page, **context), status)
    response.vary.add("HX-Request")
    return response
