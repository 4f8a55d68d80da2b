"""search/backends/whoosh/internals.py holds every use of a private Whoosh name, and
refuses another Whoosh release than the one whose private formats it reads."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pytest
import whoosh

from search.backends.whoosh import internals
from search.dependencies import MissingDependency

BACKEND = Path(internals.__file__).parent

# The backend's modules checked for private Whoosh names: all but internals.py.
CHECKED = sorted(p.name for p in BACKEND.glob("*.py") if p.name not in ("internals.py", "__init__.py"))

# The project's own private names used across its modules (not Whoosh's), as written.
OWN_PRIVATE = {
    "IndexArrays._segment_id",  # arrays.py: a segment's cache key, also for facet_tables.py
    "tables._date_rank",  # facet_tables.py: the date order, computed ahead by the engine when it warms up
}


def _load(path: Path, name: str):
    """The module in `path`, run afresh as `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fresh_internals():
    """A new copy of internals.py (importlib.reload would leave the module every other
    module holds half re-run)."""
    return _load(Path(internals.__file__), "search.backends.whoosh._internals_copy")


def test_another_whoosh_release_is_refused_in_one_line(monkeypatch):
    assert _fresh_internals().WHOOSH_VERSION == whoosh.versionstring() == "2.7.4"
    monkeypatch.setattr(whoosh, "__version__", (2, 7, 5))
    with pytest.raises(MissingDependency) as caught:
        _fresh_internals()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("required package Whoosh (the full-text index) cannot be imported: "
                              "Whoosh 2.7.5 is installed; this backend reads Whoosh 2.7.4's private file "
                              "formats and methods; repair the install: ")
    assert "pip install 'Whoosh" in message


def test_the_cli_says_so_in_one_line(tmp_path):
    from conftest import run_cli, seed_corpus

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text("import whoosh\nwhoosh.__version__ = (2, 8, 0)\n")
    proc = run_cli("index", "--corpus", seed_corpus(tmp_path / "corpus"), "--index", tmp_path / "index",
                   env={"PYTHONPATH": str(tmp_path / "site")})
    assert proc.returncode == 1 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("news-search index: required package Whoosh (the full-text index) cannot be imported: "
                           "Whoosh 2.8.0 is installed; this backend reads Whoosh 2.7.4's"), line


def _whoosh_private_names(cls: type) -> set[str]:
    """The private attributes and methods of a Whoosh class and its Whoosh bases."""
    names = set()
    for c in cls.__mro__:
        if c.__module__.split(".")[0] == "whoosh":
            names |= {n for n in vars(c) if n.startswith("_") and not n.startswith("__")}
            names |= set(re.findall(r"self\.(_[A-Za-z]\w*)", inspect.getsource(c)))
    return names


def private_whoosh_uses(path: Path, namespace: dict) -> list[str]:
    """Where a module of the backend uses a private Whoosh name: an attribute `x._name`
    of anything but self and cls (the project's own in OWN_PRIVATE aside), getattr and
    hasattr with "_name", a `_name=` keyword, `_name` imported from whoosh, and in a
    subclass of a Whoosh class a method or `self._name` that its Whoosh bases define
    (the bases resolved in `namespace`, the module's)."""
    tree = ast.parse(path.read_text("utf-8"))
    found = []

    def private(name) -> bool:
        return isinstance(name, str) and name.startswith("_") and not name.startswith("__")

    for node in ast.walk(tree):
        where = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
            found += [(where, f"imports {a.name}") for a in node.names if private(a.name)]
        elif isinstance(node, ast.Attribute) and private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")) \
                    and ast.unparse(node) not in OWN_PRIVATE:
                found.append((where, ast.unparse(node)))
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr", "setattr") \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and private(node.args[1].value):
                found.append((where, ast.unparse(node)))
            found += [(where, f"keyword {k.arg}=") for k in node.keywords if private(k.arg)]
        elif isinstance(node, ast.ClassDef):
            names = set()
            for base in node.bases:  # a class made in a function: its bases must be the module's names
                cls = eval(compile(ast.Expression(base), str(path), "eval"), namespace)
                names |= _whoosh_private_names(cls)
            for inner in ast.walk(node):
                if isinstance(inner, ast.FunctionDef) and inner.name in names:
                    found.append((inner.lineno, f"{node.name} overrides {inner.name}"))
                elif isinstance(inner, ast.Attribute) and inner.attr in names \
                        and isinstance(inner.value, ast.Name) and inner.value.id in ("self", "cls"):
                    found.append((inner.lineno, f"{node.name} uses {ast.unparse(inner)}"))
    return [f"{path.name}:{line} {what}" for line, what in sorted(set(found))]


@pytest.mark.parametrize("name", CHECKED)
def test_no_module_but_internals_uses_a_private_whoosh_name(name):
    module = importlib.import_module(f"search.backends.whoosh.{Path(name).stem}")
    assert private_whoosh_uses(BACKEND / name, vars(module)) == []


def test_the_check_finds_each_kind_of_use(tmp_path):
    """The scan itself, on a module written to break each rule once."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from whoosh.system import _INT_SIZE\n"
        "from whoosh.codec.whoosh3 import W3PostingsWriter\n"
        "from whoosh.writing import SegmentWriter\n\n\n"
        "class Writer(W3PostingsWriter):\n"
        "    def _write_block(self, last=False):\n"
        "        self._ids.append(1)\n"
        "        self._mine = 1  # not Whoosh's: allowed\n\n\n"
        "def use(sub, ix, tables):\n"
        "    tables._date_rank(True)  # the project's own: allowed\n"
        "    getattr(sub, '_terms', None)\n"
        "    SegmentWriter(ix, _lk=False)\n"
        "    return sub._perdoc\n", encoding="utf-8")
    uses = private_whoosh_uses(sample, vars(_load(sample, "sample")))
    assert uses == ["sample.py:1 imports _INT_SIZE", "sample.py:7 Writer overrides _write_block",
                    "sample.py:8 Writer uses self._ids", "sample.py:14 getattr(sub, '_terms', None)",
                    "sample.py:15 keyword _lk=", "sample.py:16 sub._perdoc"]
