"""Ingestion: corpus files -> Article records (cleaned, dated, with countries and wire-copy
signatures). Knows no index: every backend indexes what this produces."""
