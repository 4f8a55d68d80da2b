"""gunicorn settings for `news-search serve` (command-line flags override them)."""

import os

from search import config as news_config  # not `config`: gunicorn reads that name as a setting

bind = f"{os.environ.get('NEWS_SEARCH_HOST', '127.0.0.1')}:{os.environ.get('NEWS_SEARCH_PORT', '8000')}"
workers = int(os.environ.get("NEWS_SEARCH_WORKERS", "2"))
worker_class = "sync"  # one request at a time per worker: one Whoosh searcher each
# The app is created once in the master and inherited by the workers (5-7 ms less
# before a worker's first answer). Its backend opens no index file until a worker
# uses it (post_worker_init below), so no file offset is shared across the fork.
preload_app = True
timeout = 30
graceful_timeout = 10  # SIGTERM: finish requests in flight, then stop
keepalive = 5
# One line per request on stdout (NEWS_SEARCH_ACCESS_LOG: a file's path, or off): Apache's
# combined format plus the time taken, in milliseconds.
accesslog = news_config.access_log()
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
loglevel = os.environ.get("NEWS_SEARCH_LOG_LEVEL", "info")
limit_request_line = 8190
# No control socket (gunicorn 25+'s `gunicornc` interface): one path per user
# ($HOME/.gunicorn/gunicorn.ctl) shared by every server of that user, able to change
# the worker count; and its asyncio thread started in the master while the first
# worker answers (12 ms of imports). Signals (HUP, TTIN, TERM) still work.
control_socket_disable = True


def when_ready(server):
    """In the master, before it forks the workers (the app is loaded already): read
    the index's per-segment arrays (field lengths, facet columns) once, so every worker
    starts with them, shared copy-on-write, instead of each loading its own. The
    master keeps no index file open: workers open their own searchers after fork."""
    try:
        backend = news_config.backend()
        try:
            backend.warm()
        finally:
            backend.close()
    except Exception as e:  # no index yet: requests will say so with a 503
        server.log.warning("index not preloaded: %s", e)


def post_worker_init(worker):
    """Open the searcher and its arrays before the first request, so it does not pay for
    them. No search: the master's warm-up already ran one (its imports, compiled
    patterns and cached postings are inherited), and a second here delayed the first
    answer by about 12 ms (bench/perf.py's measure, 100k articles)."""
    try:
        worker.wsgi.extensions["backend"].warm(search=False)
    except Exception as e:  # no index yet: requests will say so with a 503
        worker.log.warning("index not opened: %s", e)
