"""The JSON API: the same parameters as the page, the same result type."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from search.core.request import SearchRequest

from . import backend
from .problems import problem

api = Blueprint("api", __name__)
OPENAPI = Path(__file__).with_name("openapi.json")


@api.get("/api/search")
def search():
    result = backend().search(SearchRequest.from_params(request.args))
    return jsonify(result.to_dict())


@api.get("/api/articles/<path:article_id>/related")
def related(article_id: str):
    found = backend().related(article_id)
    if found is None:
        return problem(404, "Not found", f"no article with id {article_id!r}")
    return jsonify({"id": article_id, "related": found})


@api.get("/api/articles/<path:article_id>")
def article(article_id: str):
    found = backend().article(article_id)
    if found is None:
        return problem(404, "Not found", f"no article with id {article_id!r}")
    return jsonify(found)


@api.get("/api/openapi.json")
def openapi():
    return Response(OPENAPI.read_bytes(), mimetype="application/json")


@api.get("/healthz")
def healthz():
    return jsonify(backend().health())
