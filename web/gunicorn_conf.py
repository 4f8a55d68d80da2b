"""gunicorn settings for `news-search serve` (command-line flags override them)."""

import os

bind = f"{os.environ.get('NEWS_SEARCH_HOST', '127.0.0.1')}:{os.environ.get('NEWS_SEARCH_PORT', '8000')}"
workers = int(os.environ.get("NEWS_SEARCH_WORKERS", "2"))
worker_class = "sync"  # one request at a time per worker: one Whoosh searcher each
preload_app = False  # the app (and its searcher) is created in each worker, after fork
timeout = 30
graceful_timeout = 10  # SIGTERM: finish requests in flight, then stop
keepalive = 5
accesslog = os.environ.get("NEWS_SEARCH_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("NEWS_SEARCH_LOG_LEVEL", "info")
limit_request_line = 8190


def when_ready(server):
    """In the master, before it forks the workers: import the app's modules and read
    the index's per-segment arrays (field lengths, facet columns) once, so every worker
    starts with them, shared copy-on-write, instead of each loading its own. The
    master keeps no index file open: workers open their own searchers after fork."""
    try:
        import web  # noqa: F401  (the workers inherit the imported modules)
        from search.searcher import Engine

        engine = Engine(os.environ.get("NEWS_SEARCH_INDEX", "").strip() or "var/index")
        try:
            engine.warm()
        finally:
            engine.close()
    except Exception as e:  # no index yet: requests will say so with a 503
        server.log.warning("index not preloaded: %s", e)


def post_worker_init(worker):
    """Open the searcher and its arrays before the first request, so it does not pay for
    them. No search: the master's warm-up already ran one (its imports, compiled
    patterns and cached postings are inherited), and a second here delayed the first
    answer by about 12 ms (bench/perf.py's measure, 100k articles)."""
    try:
        worker.wsgi.extensions["engine"].warm(search=False)
    except Exception as e:  # no index yet: requests will say so with a 503
        worker.log.warning("index not opened: %s", e)
