"""RFC 9457 problem details for the API, friendly pages for people; never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException

from search.query import InvalidRequest
from search.searcher import SearchTimeout
from search.store import NoIndex

PROBLEM_TYPE = "about:blank"


def problem(status: int, title: str, detail: str, invalid_params: list[dict] | None = None) -> Response:
    body = {"type": PROBLEM_TYPE, "title": title, "status": status, "detail": detail}
    if invalid_params is not None:
        body["invalid_params"] = invalid_params
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(InvalidRequest)
    def invalid(e: InvalidRequest):
        if _wants_json():
            return problem(400, "Invalid search parameters", str(e), e.errors)
        return render_template("error.html", status=400, title="That search could not be understood",
                               errors=e.errors), 400

    @app.errorhandler(NoIndex)
    def no_index(e: NoIndex):
        if _wants_json():
            return problem(503, "No index", str(e))
        return render_template("error.html", status=503, title="The index is not built yet",
                               errors=[{"name": "index", "reason": str(e)}]), 503

    @app.errorhandler(SearchTimeout)
    def too_slow(e: SearchTimeout):
        if _wants_json():
            return problem(503, "Search took too long", str(e))
        return render_template("error.html", status=503, title="That search took too long",
                               errors=[{"name": "q", "reason": str(e)}]), 503

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if _wants_json():
            return problem(e.code or 500, e.name, e.description or e.name)
        return render_template("error.html", status=e.code, title=e.name, errors=[]), e.code

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_json():
            return problem(500, "Internal error", "the server failed to answer; the error is logged")
        return render_template("error.html", status=500, title="Something went wrong", errors=[]), 500
