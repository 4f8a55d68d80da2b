"""Live reindex under load: the long run of tests/harness/soak.py (its docstring says what is checked).

    python bench/soak.py --help
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness.soak import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
