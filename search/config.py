"""Settings from NEWS_SEARCH_* environment variables, with defaults that work from the project root."""

from __future__ import annotations

import os
from pathlib import Path


def _env(name: str, default: str) -> str:
    value = os.environ.get(f"NEWS_SEARCH_{name}", "").strip()
    return value or default


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
