"""Crash safety: the long run of tests/harness/crash.py (its docstring says what is checked).

    python bench/crash.py --help
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness.crash import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
