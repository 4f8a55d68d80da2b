"""Backend conformance suite (issue #16): the same behavioural checks for every search
backend in search.core.backend.BACKENDS, through the Backend interface only.

A package (this file) so that its conftest.py is imported as `conformance.conftest`
and never shadows tests/conftest.py, which other test modules import as `conftest`."""
