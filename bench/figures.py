"""The previous figures of an evaluation, so that each run prints every figure beside them.

Each evaluation keeps its last saved figures in bench/figures/NAME.json ({label: number});
a run prints "now (previous)" and overwrites the file only when asked (--save), so the
file holds the figures of the last accepted change, committed with it.
"""

from __future__ import annotations

import json
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "figures"


def previous(name: str) -> dict[str, float]:
    """The figures saved by NAME's last --save run ({} when there is none)."""
    path = FOLDER / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save(name: str, figures: dict[str, float]) -> Path:
    FOLDER.mkdir(exist_ok=True)
    path = FOLDER / f"{name}.json"
    path.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def beside(value: float, before: float | None, fmt: str = ".3f") -> str:
    """'0.974 (was 0.961)', or the figure alone when there is nothing to compare."""
    now = format(value, fmt)
    if before is None:
        return f"{now} (no previous)"
    return f"{now} (was {format(before, fmt)})"
