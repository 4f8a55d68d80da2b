"""A live Sphinx cluster for the tests: two shard nodes and a front on free loopback
ports in a temporary folder (search.backends.sphinxql.cluster), its addresses exported
as NEWS_SEARCH_SPHINXQL_* for the test session, stopped at the end. Skips, saying how
to install it, when searchd is missing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ENV = ("NEWS_SEARCH_SPHINXQL_FRONT", "NEWS_SEARCH_SPHINXQL_SHARDS")


@contextmanager
def live_cluster(folder: Path, shards: int = 2) -> Iterator:
    from search.backends.sphinxql.cluster import ClusterError, LocalCluster, searchd_binary

    try:
        searchd_binary()
    except ClusterError as e:
        pytest.skip(str(e))
    cluster = LocalCluster(folder)
    cluster.create(shards)
    saved = {k: os.environ.get(k) for k in ENV}
    try:
        cluster.start()
        os.environ["NEWS_SEARCH_SPHINXQL_FRONT"] = cluster.front.sql_address
        os.environ["NEWS_SEARCH_SPHINXQL_SHARDS"] = ",".join(s.sql_address for s in cluster.shards)
        yield cluster
    finally:
        cluster.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
