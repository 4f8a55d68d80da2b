"""How a facet value reads to people (country and language names, month and day labels)
and which way a language is written: what the page, the feeds and the JSON facets show.
The rules live with extraction, which produces the values they label; web/ asks for them
here because it knows only the core."""

from ..ingest.countries import country_label
from ..ingest.dates import day_label, month_label
from ..ingest.languages import language_label, text_direction

__all__ = ["country_label", "day_label", "language_label", "month_label", "text_direction"]
