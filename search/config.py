"""Settings from NEWS_SEARCH_* environment variables, with defaults that work from the project root."""

from __future__ import annotations

import os
from pathlib import Path


def _env(name: str, default: str) -> str:
    value = os.environ.get(f"NEWS_SEARCH_{name}", "").strip()
    return value or default


DEFAULT_TIME_LIMIT = 10.0  # seconds of collecting before a search gives up (gunicorn kills at 30)


def corpus_dir() -> Path:
    return Path(_env("CORPUS", "corpus"))


def index_dir() -> Path:
    return Path(_env("INDEX", "var/index"))


def max_file_bytes() -> int:
    """Files above this size are skipped with a reason instead of exhausting memory."""
    return int(float(_env("MAX_FILE_MB", "50")) * 1024 * 1024)


_OFF = ("off", "none", "no", "false", "0")


def access_log() -> str | None:
    """Where the server logs each request: `-` (stdout, the default), a file's path, or
    None when NEWS_SEARCH_ACCESS_LOG is `off`."""
    value = _env("ACCESS_LOG", "-")
    return None if value.lower() in _OFF else value


def backend_name() -> str:
    """The engine behind the service: NEWS_SEARCH_BACKEND (search.core.backend.BACKENDS)."""
    return _env("BACKEND", "whoosh")


def sphinxql_front() -> str:
    """host:port of the sphinxql backend's front node (its mysql41 listener): reads go there."""
    return _env("SPHINXQL_FRONT", "127.0.0.1:9306")


def sphinxql_shards() -> list[str]:
    """host:port of each shard node, comma-separated: writes go to the shard owning the article."""
    return [a.strip() for a in _env("SPHINXQL_SHARDS", "127.0.0.1:9308").split(",") if a.strip()]


def time_limit() -> float:
    """Seconds a search may spend collecting matches before it is refused (a 503)."""
    return float(_env("TIME_LIMIT", str(DEFAULT_TIME_LIMIT)))


def backend(index: Path | None = None):
    """The configured backend over `index` (default: index_dir()), not opened yet."""
    from .core.backend import open_backend

    return open_backend(backend_name(), index or index_dir(), time_limit=time_limit())
