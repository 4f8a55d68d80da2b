"""A torture corpus: every good article is indexed, every bad file is skipped with a
reason, and the run finishes in bounded time and memory (measured on the real CLI)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import PROJECT, write
from search.core.request import SearchRequest
from search.backends.whoosh.engine import WhooshBackend

GOOD = "Good story {n}\n\nZanzibar clove exports rose in week {n}, traders in Stone Town said on Monday."
PARAGRAPH = ("Zanzibar clove exports rose this week, traders in Stone Town said on Monday, as buyers "
             "from India returned to the market after the long rains.")
# The run below takes about 1 s and peaks near 210 MB here. The memory bound is still
# low enough to notice the 200 MB file being read: with the size limit lifted
# (NEWS_SEARCH_MAX_FILE_MB=300) the same run peaks at 590 MB.
MAX_SECONDS = 60
MAX_RSS_MB = 512


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float  # the largest process of the run (the CLI or one of its workers)


def run_measured(*args: str, wrap: tuple[str, ...] = (), timeout: float = 120) -> Run:
    """`news-search ARGS` in a fresh process; its wall time, and its peak resident set
    from the kernel's own accounting (wait4's rusage covers the child and the
    workers it reaped)."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"hostile-{os.getpid()}-{time.monotonic_ns()}"
    with open(f"{out_path}.out", "w+") as out, open(f"{out_path}.err", "w+") as err:
        start = time.monotonic()
        proc = subprocess.Popen([*wrap, sys.executable, "-m", "search", *map(str, args)], cwd=PROJECT,
                                stdout=out, stderr=err, text=True)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        run = Run(proc.returncode, out.read(), err.read(), seconds, usage.ru_maxrss / 1024)
    os.unlink(f"{out_path}.out")
    os.unlink(f"{out_path}.err")
    return run


def permissions_wrapper() -> tuple[tuple[str, ...], bool]:
    """How to run the CLI so that chmod 000 really blocks reads. Root reads anything
    (CAP_DAC_OVERRIDE): then the CLI runs with those capabilities dropped by setpriv,
    still as root. Returns (command prefix, whether unreadable files are unreadable)."""
    if os.geteuid() != 0:
        return (), True
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return (), False
    drop = "-dac_override,-dac_read_search"
    return (setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}"), True


def test_torture_corpus(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    good = {
        "plain": "plain.txt",
        "name with spaces": "name with spaces.txt",
        "non-ascii-é-中": "non-ascii-é-中.txt",
        "line\nbreak": "line\nbreak.txt",
        "deep/down/inside": "deep/down/inside.txt",
    }
    for n, (aid, name) in enumerate(good.items()):
        write(corpus / name, GOOD.format(n=n))
    write(corpus / "utf16.txt", GOOD.format(n=90).encode("utf-16"))  # with its BOM
    write(corpus / "utf16be.txt", b"\xfe\xff" + GOOD.format(n=94).encode("utf-16-be"))
    write(corpus / "utf8bom.txt", b"\xef\xbb\xbf" + GOOD.format(n=95).encode())
    write(corpus / "page.html.gz", gzip.compress(f"<html><title>Zipped page</title><body><p>{GOOD.format(n=91)}</p>"
                                                 f"</body></html>".encode()))
    write(corpus / "feed.jsonl", "\n".join([
        json.dumps({"id": "j1", "title": "Line one", "text": GOOD.format(n=92)}),
        "{broken",
        "\x00\xff",
        json.dumps({"id": "j2", "title": "Line four", "text": GOOD.format(n=93)}),
        "[1, 2, 3]",
        json.dumps({"id": "j-empty", "title": "No text at all"}),
        ""]) + "\n")
    # A real article whose paragraph carries a 10 MB attribute.
    write(corpus / "attr.html", f'<html><head><title>Long attribute</title></head><body><article>'
                                f'<p data-x="{"a" * 10_000_000}">{PARAGRAPH}</p></article></body></html>')
    # Text first, then markup nested 100,000 deep: indexed, with a warning.
    write(corpus / "deep-after-text.html", f"<html><head><title>Deep after text</title></head><body><p>{PARAGRAPH}</p>"
                                           + "<div>" * 100_000 + "<p>lost</p>" + "</div>" * 100_000 + "</body></html>")
    good_ids = set(good) | {"utf16", "utf16be", "utf8bom", "page", "j1", "j2", "attr", "deep-after-text"}

    bad = {  # file -> what its reason must say
        "empty.txt": "empty file",
        "blank.txt": "empty file",
        "empty\nwith newline.txt": "empty file",
        "binary.txt": "binary data",
        "invalid-utf8.txt": "neither UTF-8 nor windows-1252 (byte 0x81 at offset 19)",
        "deep.html": "nested deeper than 256 levels",
        "broken.json": "invalid JSON",
        "notgzip.html.gz": "not a valid gzip file",
        "huge.txt": "too large (200.0 MB; the limit is 50 MB, NEWS_SEARCH_MAX_FILE_MB)",
        "dangling.txt": "cannot read: No such file or directory",
        "loop-a.txt": "cannot read: Too many levels of symbolic links",
        "loop-b.txt": "cannot read: Too many levels of symbolic links",
        "feed.jsonl:2": "invalid JSON",
        "feed.jsonl:3": "invalid JSON",
        "feed.jsonl:5": "line 5: expected a JSON object",
        "feed.jsonl:6": "line 6: no 'text' or 'html'",
    }
    write(corpus / "empty.txt", b"")
    write(corpus / "blank.txt", b" \n\t\n")
    write(corpus / "empty\nwith newline.txt", b"")
    write(corpus / "binary.txt", os.urandom(4096).replace(b"\xff\xfe", b"ab").replace(b"\xfe\xff", b"ab") + b"\x00" * 10)
    write(corpus / "invalid-utf8.txt", b"Zanzibar \xc3\x28 cloves \x81\x8d")
    write(corpus / "deep.html", ("<html><body>" + "<div>" * 100_000 + "<p>Zanzibar text deep inside</p>"
                                 + "</div>" * 100_000 + "</body></html>").encode())
    write(corpus / "broken.json", b"{\"title\": ")
    write(corpus / "notgzip.html.gz", b"this is not gzip")
    with open(corpus / "huge.txt", "wb") as f:  # sparse: 200 MB on paper, nothing on disk
        f.truncate(200 * 1024 * 1024)
    os.symlink(corpus, corpus / "loop")  # a folder link back to the root: not followed
    os.symlink(corpus / "missing.txt", corpus / "dangling.txt")
    os.symlink("loop-b.txt", corpus / "loop-a.txt")  # two file links pointing at each other
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    write(corpus / "locked.txt", GOOD.format(n=96))
    write(corpus / "locked-dir" / "inside.txt", GOOD.format(n=97))
    wrap, enforced = permissions_wrapper()
    os.chmod(corpus / "locked.txt", 0)
    os.chmod(corpus / "locked-dir", 0)
    if enforced:
        bad["locked.txt"] = "cannot read: Permission denied"
        bad["locked-dir"] = "cannot read folder: Permission denied"
    else:  # root without setpriv: chmod 000 blocks nothing, both are read like any other file
        good_ids |= {"locked", "locked-dir/inside"}

    try:
        run = run_measured("index", "--corpus", corpus, "--index", index, wrap=wrap)
    finally:
        os.chmod(corpus / "locked.txt", 0o644)
        os.chmod(corpus / "locked-dir", 0o755)
    print(f"torture corpus: {run.seconds:.2f} s, peak RSS {run.peak_rss_mb:.0f} MB, unreadable files "
          f"{'enforced' if enforced else 'readable (root)'}")
    assert run.returncode == 0, run.stderr
    assert run.seconds < MAX_SECONDS
    assert run.peak_rss_mb < MAX_RSS_MB

    lines = run.stdout.splitlines()
    summary, problems = lines[0], lines[1:]
    engine = WhooshBackend(index)
    try:  # every article in the index, wire copies included
        everything = engine.search(SearchRequest.from_params({"per_page": ["100"], "collapse": ["false"]}))
    finally:
        engine.close()
    found = {hit.id for hit in everything.hits}
    assert found == good_ids
    skipped = {}
    for line in problems:
        # Every problem is one line naming a file and a reason; a line break in a name stays escaped.
        assert line.startswith(("skipped: ", "warning: ")), line
        kind, rest = line.split(": ", 1)
        where, reason = rest.split(": ", 1)
        if kind == "skipped":
            skipped[where] = reason
    for name, reason in bad.items():
        shown = name.replace("\n", "\\n")
        assert reason in skipped.get(shown, ""), (name, skipped.get(shown))
    assert "warning: deep-after-text.html: markup nested deeper than 256 levels" in run.stdout
    assert f"{len(skipped)} skipped" in summary and f"indexed {len(good_ids)} new" in summary
    assert not [i for i in found if i.startswith("loop/")]
