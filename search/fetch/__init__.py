"""Bringing articles into the corpus: feeds and sitemaps over HTTP (`news-search fetch`) and
web archives (`news-search import`). Like search.ingest, this package knows no index: it
writes files and sidecars into the corpus folder and keeps a ledger of what it has seen;
the command then runs the ordinary incremental reindex. See docs/fetch.md."""
