"""The Flask app: a search page and its JSON twin, over one Backend per process (search.core)."""

from __future__ import annotations

import os

from flask import Flask, request

from search import config as settings
from search.core.backend import Backend, open_backend
from search.core.query import MAX_QUERY_LENGTH

from .problems import install_error_handlers

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; object-src 'none'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        INDEX=str(settings.index_dir()),
        DEBUG=os.environ.get("NEWS_SEARCH_DEBUG", "") == "1",
        TIME_LIMIT=settings.time_limit(),
        JSON_SORT_KEYS=False,
    )
    app.config.update(config or {})
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.jinja_env.globals["MAX_QUERY_LENGTH"] = MAX_QUERY_LENGTH
    app.extensions["backend"] = open_backend(settings.backend_name(), app.config["INDEX"],
                                             time_limit=app.config["TIME_LIMIT"])
    # What the engine can do (Capability): the pages leave the rest out.
    app.jinja_env.globals["CAN"] = app.extensions["backend"].capabilities

    from .api import api
    from .feeds import feeds
    from .pages import pages

    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(feeds)
    install_error_handlers(app)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/api/") or request.path == "/healthz":
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
        return response

    return app


def backend() -> Backend:
    from flask import current_app

    return current_app.extensions["backend"]
