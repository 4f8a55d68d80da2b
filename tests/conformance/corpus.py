"""The corpus the conformance checks run on: every article with the countries and the
date the indexer is expected to give it, so each check can assert exact ids and counts.

Written as JSON Lines by `write_corpus`; ids are the records' own. Texts under 20
words are never grouped as wire copies, so only HAVANA_COPIES form one story."""

from __future__ import annotations

import json
from pathlib import Path

HAVANA_TEXT = ("HAVANA, Sept 20 - Cuba and Mexico signed a trade agreement on Friday, the Cuban foreign "
               "minister told reporters in Havana. Mexican investment in tourism, sugar and nickel mining "
               "would grow over the next five years, officials said.")

XSS_TITLE = "<script>alert('title')</script> Evil <img src=x onerror=alert(1)> headline"
XSS_TEXT = ("Cuba <script>alert('body')</script> text with <img src=x onerror=alert(2)> markup and "
            "a javascript:alert(3) link about Havana.")

# id -> the record, plus "countries": what the indexer should extract (most salient first).
ARTICLES: list[dict] = [
    {"id": "havana-trade", "title": "Cuba and Mexico sign a trade pact", "published": "2024-09-20",
     "text": HAVANA_TEXT, "source": "Example Wire", "countries": ["CU", "MX"]},
    # The same story republished under another id: one story, two articles.
    {"id": "havana-trade-copy", "title": "Cuba and Mexico sign a trade pact", "published": "2024-09-20",
     "text": HAVANA_TEXT, "source": "Second Wire", "countries": ["CU", "MX"]},
    {"id": "havana-hotels", "title": "Mexican hotel chains expand in Havana", "published": "2024-07-11",
     "text": "HAVANA, July 11 - Mexican hotel chains opened three hotels in Havana as Cuban tourism "
             "recovered. Cuba's tourism ministry said Mexican investment in hotels doubled.",
     "source": "Example Wire", "countries": ["CU", "MX"]},
    {"id": "nickel-mine", "title": "Nickel mine reopens in Cuba", "published": "2024-06-25",
     "text": "MOA, June 25 - A nickel mine in eastern Cuba reopened. Nickel exports are vital, and the "
             "nickel price rose.", "source": "Example Wire", "countries": ["CU"]},
    {"id": "seoul-chips", "title": "South Korea chip exports rise", "published": "2024-08-02",
     "text": "SEOUL, Aug 2 - South Korea's semiconductor exports rose for a tenth month, the trade "
             "ministry in Seoul said. Korean chipmakers expect strong demand for memory chips.",
     "source": "Example Wire", "countries": ["KR"]},
    {"id": "seoul-minister", "title": "South Korean foreign minister meets Japanese counterpart",
     "published": "2024-06-18",
     "text": "SEOUL, June 18 - South Korea's foreign minister met her Japanese counterpart in Seoul to "
             "discuss trade.", "source": "Other Wire", "countries": ["KR", "JP"]},
    {"id": "berlin-minister", "title": "German minister visits Mexico", "published": "2024-06-03",
     "text": "BERLIN, June 3 - The German minister for foreign trade will visit Mexico next week to "
             "discuss a car export pact.", "source": "Other Wire", "countries": ["DE", "MX"]},
    {"id": "tokyo-rates", "title": "Japan holds interest rates", "published": "2024-03-15",
     "text": "TOKYO, March 15 - The Bank of Japan kept interest rates unchanged. Japanese bond yields "
             "fell as investors waited for wage data.", "source": "Example Wire", "countries": ["JP"]},
    {"id": "mexico-oil", "title": "Mexico expands oil output", "published": "2024-02-05",
     "text": "MEXICO CITY, Feb 5 - Mexico's state oil company expanded output at a new oilfield in the "
             "Gulf, the energy ministry said.", "source": "Example Wire", "countries": ["MX"]},
    {"id": "coffee-prices", "title": "Coffee prices climb", "published": "2024-01-22",
     "text": "Coffee prices climbed as traders worried about the harvest in Colombia.",
     "source": "Other Wire", "countries": ["CO"]},
    {"id": "paris-strike", "title": "French rail strike disrupts travel", "published": "2023-12-01",
     "text": "PARIS, Dec 1 - A rail strike across France cancelled most trains. French unions said the "
             "strike would continue into the weekend.", "source": "Example Wire", "countries": ["FR"]},
    {"id": "berlin-wall", "title": "Germany remembers the fall of the Wall", "published": "2019-11-09",
     "text": "BERLIN, Nov 9 - Germany marked thirty years since the fall of the Berlin Wall with "
             "concerts.", "source": "Other Wire", "countries": ["DE"]},
    {"id": "undated-coffee", "title": "A note on Brazilian coffee",
     "text": "Coffee growers in Brazil expect a larger coffee harvest. Brazilian exporters welcomed the rain.",
     "source": "Other Wire", "countries": ["BR"]},
    {"id": "xss", "title": XSS_TITLE, "published": "2024-09-21", "text": XSS_TEXT,
     "url": "javascript:alert(4)", "countries": ["CU"]},
] + [
    # Twelve short budget notes on twelve days of April 2024, for paging and day buckets.
    {"id": f"budget-{n:02d}", "title": f"Peru budget report {n}", "published": f"2024-04-{n:02d}",
     "text": f"LIMA, April {n} - Peru's finance ministry published budget report number {n}.",
     "source": "Lima Desk", "countries": ["PE"]}
    for n in range(1, 13)
]

BY_ID = {a["id"]: a for a in ARTICLES}
IDS = frozenset(BY_ID)
HAVANA_COPIES = frozenset({"havana-trade", "havana-trade-copy"})
BUDGET = [f"budget-{n:02d}" for n in range(1, 13)]


def record(article: dict) -> dict:
    """The JSON record as written (without the expectations)."""
    return {k: v for k, v in article.items() if k != "countries"}


def write_corpus(folder: Path, articles: list[dict] = ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stories.jsonl").write_text("\n".join(json.dumps(record(a)) for a in articles) + "\n",
                                          encoding="utf-8")
    return folder
