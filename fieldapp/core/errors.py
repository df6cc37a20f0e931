"""Error pages in the user's language. No stack trace ever reaches a user."""

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from fieldapp.extensions import db

MESSAGES = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("Your role does not allow this."),
    404: _l("Not found, or not in your area."),
    405: _l("That action is not possible here."),
    410: _l("This is no longer available."),
    413: _l("What you sent is too large."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. Nothing was saved; please try again."),
}

TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Not possible"),
    410: _l("Gone"),
    413: _l("Too large"),
    429: _l("Too many attempts"),
    500: _l("Server error"),
}


#: What the JSON API answers in "error" for each status (clients branch on it; "message" is for people).
API_ERRORS = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    410: "gone",
    413: "too_large",
    429: "too_many_requests",
    500: "server_error",
}


def render_error(code: int, message=None):
    message = message or MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/"):
        return jsonify({"error": API_ERRORS.get(code, "error"), "message": str(message)}), code
    title = TITLES.get(code, TITLES[500])
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(
            400, _l("This form has expired or was not sent from fieldapp. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code < 400:
            return error
        response = make_response(render_error(error.code or 500))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # RFC 9110 requires a 405 to say which methods the resource does take (found by schemathesis).
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error", exc_info=error)
        db.session.rollback()
        return render_error(InternalServerError.code)
