"""A plain install, as a newcomer or a Dockerfile makes it: a new virtualenv with the pip that
ships with the running Python (no upgrade), the project without extras, nothing else.

It once missed `lxml_html_clean` (pip 23.2 does not add lxml's html_clean extra that jusText
needs), and trafilatura then failed to import. This checks that such an install is complete,
and that when a package is missing every command says so in one line and stops.
Slow (a minute: it installs every dependency, from pip's cache when it has them)."""

from __future__ import annotations

import ensurepip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT, write

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour reopens after storm | Example News</title>
<meta property="og:title" content="Harbour reopens after storm">
<meta property="article:published_time" content="2024-03-05T09:30:00+01:00">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies.</div>
<article><h1>Harbour reopens after storm</h1>
<p>LISBON, March 5 - The harbour of Lisbon reopened on Tuesday after a storm closed it for three
days, the port authority said, and the first container ships entered the estuary at dawn.</p>
<p>Fishermen said the storm had destroyed dozens of small boats moored along the river, and the
city council promised emergency funds to repair the damaged quays before the summer season.</p>
<p>Portugal's weather service expects calmer seas for the rest of the week, although strong winds
may return to the northern coast on Saturday, forecasters said in their morning bulletin.</p>
</article>
<aside><h2>Related</h2><ul><li><a href="/a">Markets rally</a></li><li><a href="/b">Rain in Porto</a></li></ul></aside>
<footer>Copyright Example News. All rights reserved. Subscribe to our newsletter.</footer>
</body></html>
"""

SOURCES = ("search", "web", "pyproject.toml", "README.md", "wsgi.py")


def _run(*args, cwd: Path, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def plain_install(tmp_path_factory) -> Path:
    """The virtualenv's bin folder, with the project installed from a copy of its sources."""
    base = tmp_path_factory.mktemp("plain-install")
    source = base / "source"
    for name in SOURCES:
        src = PROJECT / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(src, source / name)
    venv = base / "venv"
    made = _run(sys.executable, "-m", "venv", venv, cwd=base)
    assert made.returncode == 0, made.stderr
    bin_ = venv / "bin"
    pip_version = _run(bin_ / "python", "-m", "pip", "--version", cwd=base).stdout
    assert pip_version.startswith(f"pip {ensurepip.version()} "), pip_version  # the stock pip, not upgraded
    installed = _run(bin_ / "python", "-m", "pip", "install", "--no-input", source, cwd=base)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return bin_


def test_pip_finds_every_requirement_met(plain_install: Path, tmp_path: Path) -> None:
    checked = _run(plain_install / "python", "-m", "pip", "check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_module_of_the_product_and_every_requirement_imports(plain_install: Path, tmp_path: Path) -> None:
    script = """
import importlib, json, pkgutil, sys
names = []
for package in ("search", "web"):
    module = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if not info.name.endswith(".__main__"):  # running it is `news-search` itself
            names.append(info.name)
files = {}
for name in names:
    files[name] = importlib.import_module(name).__file__
dependencies = importlib.import_module("search.dependencies")
for requirement in dependencies.REQUIREMENTS:  # and every package they import on first use
    dependencies.load(requirement.module)
print(json.dumps(files))
"""
    proc = _run(plain_install / "python", "-c", script, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    files = json.loads(proc.stdout)
    expected = {p.relative_to(PROJECT).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")
                for folder in ("search", "web") for p in (PROJECT / folder).rglob("*.py")
                if p.name != "__main__.py"}
    assert set(files) == expected
    site = str(plain_install.parent)
    assert all(f.startswith(site) for f in files.values()), "modules came from outside the install"


def test_an_html_page_is_read_by_trafilatura(plain_install: Path, tmp_path: Path) -> None:
    page = write(tmp_path / "harbour.html", PAGE)
    proc = _run(plain_install / "news-search", "extract", page, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (article,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert article["title"] == "Harbour reopens after storm"
    assert article["published"].startswith("2024-03-05")
    text = article["text"]
    assert "LISBON, March 5 - The harbour" in text and "northern coast on Saturday" in text
    for boilerplate in ("cookies", "Markets rally", "Copyright", "Sport"):
        assert boilerplate not in text
    doctor = _run(plain_install / "news-search", "doctor", "--json", cwd=tmp_path)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = json.loads(doctor.stdout)
    assert report["ok"] and report["extractor"].startswith("trafilatura 2.")


def test_without_lxml_html_clean_every_command_stops_and_names_it(plain_install: Path, tmp_path: Path) -> None:
    """Last in this module: it breaks the install on purpose."""
    removed = _run(plain_install / "python", "-m", "pip", "uninstall", "-y", "lxml_html_clean", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    corpus = write(tmp_path / "corpus" / "harbour.html", PAGE).parent
    index = tmp_path / "index"
    commands = {
        "index": ["index", "--corpus", corpus, "--index", index],
        "extract": ["extract", corpus / "harbour.html"],
        "serve": ["serve", "--index", index, "--port", "0"],
    }
    for name, args in commands.items():
        proc = _run(plain_install / "news-search", *args, cwd=tmp_path, timeout=60)
        assert proc.returncode == 1, (name, proc.stdout, proc.stderr)
        assert proc.stdout == ""
        (line,) = proc.stderr.splitlines()
        assert line.startswith(f"news-search {name}: required package lxml_html_clean ")
        assert "No module named 'lxml_html_clean'" in line
        assert "pip install 'lxml_html_clean==" in line
    assert not index.exists()
    doctor = _run(plain_install / "news-search", "doctor", cwd=tmp_path)
    assert doctor.returncode == 1
    assert "BAD lxml_html_clean" in doctor.stdout and "BAD trafilatura" in doctor.stdout
