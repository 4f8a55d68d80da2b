"""What a reindex must do: the corpus folder against the manifest of what the index holds.

The same for every backend: a file is read again only when its size or modification time
(or its sidecar's) changed, and written again only when its content changed; a file
that vanished takes its articles with it. The manifest is {corpus-relative path: {"sig":
size and mtime, "hash": content hash, "ids": {article id: article hash}, "problems": [...]}}.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .extract import CorpusFile, FileResult, Scan
from .readers import Problem


@dataclass
class Summary:
    """What one reindex did: its counts, the files it skipped and why (the command's output)."""

    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    ignored: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    full: bool = False
    articles: int = 0

    def line(self) -> str:
        text = (f"indexed {self.new} new, {self.changed} changed, {self.removed} removed, "
                f"{self.unchanged} unchanged, {self.skipped} skipped in {self.seconds:.2f} s")
        ignored = {why: n for why, n in sorted(self.ignored.items()) if n}
        if ignored:
            text += " (ignored: " + ", ".join(f"{n} {why}" for why, n in ignored.items()) + ")"
        return text + (" [full rebuild]" if self.full else "")

    def problem_lines(self) -> list[str]:
        return [f"{'skipped' if p.skipped else 'warning'}: {p.where}: {p.reason}" for p in self.problems]


@dataclass
class Plan:
    to_read: list[CorpusFile] = field(default_factory=list)  # new files, and files whose stat changed
    kept: dict[str, dict] = field(default_factory=dict)      # manifest entries of untouched files
    removed: list[str] = field(default_factory=list)         # files gone from the corpus
    problems: list[Problem] = field(default_factory=list)    # of the kept files, reported again

    def owners(self) -> dict[str, str]:
        """Article id -> the kept file that holds it (a second file with the same id is refused)."""
        return {aid: rel for rel, entry in self.kept.items() for aid in entry["ids"]}


def plan_changes(scan: Scan, old_files: dict[str, dict], full: bool) -> Plan:
    """Which files to read, keep and remove (`full`: read every file)."""
    plan = Plan(removed=[rel for rel in old_files if rel not in scan.files])
    for rel, cf in scan.files.items():
        old = old_files.get(rel)
        if old is not None and old.get("sig") == cf.stat_sig and not full:
            plan.kept[rel] = old
            # A broken file stays reported until it is fixed or removed.
            plan.problems.extend(Problem(*p) for p in old.get("problems", []))
        else:
            plan.to_read.append(cf)
    return plan


def same_content(old: dict | None, result: FileResult) -> bool:
    """A file touched (new mtime) but with the content the index already holds."""
    return old is not None and bool(result.content_hash) and old.get("hash") == result.content_hash


def touched_entry(old: dict, cf: CorpusFile) -> dict:
    """The manifest entry of a file touched but unchanged: only its stat is new."""
    return {**old, "sig": cf.stat_sig}
