"""RFC 9457 problem details for the API, friendly pages for people; never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException

from search.core.request import InvalidRequest
from search.core.backend import NoIndex, SearchTimeout, Unavailable

PROBLEM_TYPE = "about:blank"
# The errors the feeds (RSS, Atom) answer with problem+json too: a feed reader shows
# the status of a request its user can fix or repeat later. A failure on a feed gets
# the error page, as on the site's pages.
FEED_PROBLEMS = (InvalidRequest, NoIndex, Unavailable)


def problem(status: int, title: str, detail: str, invalid_params: list[dict] | None = None) -> Response:
    body = {"type": PROBLEM_TYPE, "title": title, "status": status, "detail": detail}
    if invalid_params is not None:
        body["invalid_params"] = invalid_params
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def _wants_json(error: Exception) -> bool:
    """Whether an error is answered with problem+json or the error page: decided here
    only, for every blueprint. The API and the health check always get problem+json."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    return request.blueprint == "feeds" and isinstance(error, FEED_PROBLEMS)


def _answer(error: Exception, status: int, title: str, detail: str, page_title: str, errors: list[dict],
            invalid_params: list[dict] | None = None):
    """A problem+json for a program, the error page for people: same status, same reasons."""
    if _wants_json(error):
        return problem(status, title, detail, invalid_params)
    return render_template("error.html", status=status, title=page_title, errors=errors), status


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(InvalidRequest)
    def invalid(e: InvalidRequest):
        return _answer(e, 400, "Invalid search parameters", str(e), "That search could not be understood",
                       e.errors, e.errors)

    @app.errorhandler(NoIndex)
    def no_index(e: NoIndex):
        return _answer(e, 503, "No index", str(e), "The index is not built yet",
                       [{"name": "index", "reason": str(e)}])

    @app.errorhandler(SearchTimeout)
    def too_slow(e: SearchTimeout):
        return _answer(e, 503, "Search took too long", str(e), "That search took too long",
                       [{"name": "q", "reason": str(e)}])

    @app.errorhandler(Unavailable)
    def unavailable(e: Unavailable):
        return _answer(e, 503, "Search unavailable", str(e), "Search is unavailable for a moment",
                       [{"name": "index", "reason": str(e)}])

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        response = app.make_response(_answer(e, e.code or 500, e.name, e.description or e.name, e.name, []))
        # Headers the status needs (a 405's Allow, a 416's Content-Range...), not its HTML type.
        for name, value in e.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return _answer(e, 500, "Internal error", "the server failed to answer; the error is logged",
                       "Something went wrong", [])
