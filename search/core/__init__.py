"""The engine-neutral core: the query language and what every search engine shares."""
