"""Readers for the TIME and Cranfield test collections in ../shared/data/ir.

Documents come back in file order; their ids are 1-based positions, which is
what the relevance judgments use."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path


def read_time(folder: Path, realign: bool = True) -> tuple[list[dict], dict[str, str], dict[str, dict[str, int]]]:
    """(documents, queries, judgments) of TIME: 423 articles of 1963 in upper case.
    `realign`: judgments mapped onto the 423 articles (see realigned_time_position);
    False: positions as TIME.REL gives them (those past the last article dropped)."""
    raw = (folder / "TIME.ALL").read_text("latin-1")
    docs = []
    for n, block in enumerate(re.split(r"^\*TEXT", raw, flags=re.M)[1:], start=1):
        header, _, body = block.partition("\n")
        body = body.split("*STOP")[0]
        published = None
        m = re.match(r"\s*\d+\s+(\d\d)/(\d\d)/(\d\d)\s", header)
        if m:
            published = date(1900 + int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
        text = re.sub(r"\s+", " ", body).strip()
        docs.append({"id": str(n), "text": text, "published": published})
    queries = {}
    for block in re.split(r"^\*FIND", (folder / "TIME.QUE").read_text("latin-1"), flags=re.M)[1:]:
        number, _, text = block.strip().partition("\n")
        text = re.sub(r"\s+", " ", text).strip()
        if text:
            queries[number.strip()] = text
    judgments: dict[str, dict[str, int]] = {}
    for line in (folder / "TIME.REL").read_text("latin-1").splitlines():
        parts = line.split()
        if len(parts) > 1:
            positions = (realigned_time_position(int(d)) if realign else int(d) for d in parts[1:])
            judgments[parts[0]] = {str(d): 1 for d in positions if d is not None and d <= len(docs)}
    return docs, queries, judgments


# TIME.REL numbers documents by position in the 425-article collection its README (a
# 1988 mail) describes; TIME.ALL holds 423. Judgments up to position 370 fit their
# queries as they stand; from 379 on, each fits the article two places earlier and not
# the one named (Sihanouk -> 384 and 406 are the Cambodia stories, 386 and 408 are Iraq
# and Kenya; Adoula expelling the Soviet staff -> 388 "Congo: reading the Russians'
# mail", not 390 on a Tory by-election; Chinese trade -> 378 "how much trade with the
# Reds", not 380 on West Germany), and 424-425 point past the end. The two missing
# articles are taken to be *TEXT 505 and 506: the numbering skips them between
# positions 374 and 375, where the headers' spacing is irregular too. No dev judgment
# lies between 371 and 378, so the dev figures do not depend on that choice.
TIME_MISSING_AFTER = 374  # last position before the two missing articles
TIME_MISSING = 2


def realigned_time_position(position: int) -> int | None:
    """A TIME.REL position as a position in TIME.ALL; None for a missing article."""
    if position <= TIME_MISSING_AFTER:
        return position
    if position <= TIME_MISSING_AFTER + TIME_MISSING:
        return None
    return position - TIME_MISSING


def read_cranfield(folder: Path) -> tuple[list[dict], dict[str, str], dict[str, dict[str, int]]]:
    """(documents, queries, judgments) of Cranfield 1400. Queries are numbered by their
    position in cran.qry, as cranqrel does; grades 1-3 count as relevant (gain 4 - grade)."""
    docs = []
    for n, block in enumerate(re.split(r"^\.I ", (folder / "cran.all.1400").read_text("latin-1"), flags=re.M)[1:],
                              start=1):
        fields = dict(re.findall(r"^\.([TAWB])\n(.*?)(?=^\.[TAWB]\n|\Z)", block, flags=re.M | re.S))
        title = re.sub(r"\s+", " ", fields.get("T", "")).strip()
        text = re.sub(r"\s+", " ", fields.get("W", "")).strip()
        if text.startswith(title):  # the abstract repeats the title
            text = text[len(title):].strip() or text
        docs.append({"id": str(n), "title": title or None, "text": text or title})
    queries = {}
    for n, block in enumerate(re.split(r"^\.I ", (folder / "cran.qry").read_text("latin-1"), flags=re.M)[1:],
                              start=1):
        queries[str(n)] = re.sub(r"\s+", " ", block.partition(".W")[2]).strip()
    judgments: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (folder / "cranqrel").read_text("latin-1").splitlines():
        parts = line.split()
        if len(parts) == 3 and 1 <= int(parts[2]) <= 3:
            judgments[parts[0]][parts[1]] = 4 - int(parts[2])
    return docs, queries, dict(judgments)
