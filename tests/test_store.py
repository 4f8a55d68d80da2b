"""The Whoosh backend's store: generations, the `current` link, the lock, the manifest,
and what a killed run leaves (search.backends.whoosh.store)."""

from __future__ import annotations

import os
import time

import pytest

from search.backends.whoosh import store
from search.core.backend import IndexLocked, NoIndex


def test_no_index_until_a_generation_is_switched_in(tmp_path):
    with pytest.raises(NoIndex, match="run `news-search index` first"):
        store.open_current(tmp_path)
    _ix, gen = store.create_generation(tmp_path)
    assert store.current_dir(tmp_path) is None  # made, not yet visible
    store.switch_current(tmp_path, gen)
    assert store.current_dir(tmp_path) == gen.resolve()
    _ix, opened = store.open_current(tmp_path)
    assert opened == gen.resolve()


def test_switching_replaces_the_link_in_one_rename_and_old_generations_go(tmp_path):
    gens = []
    for _ in range(4):
        _ix, gen = store.create_generation(tmp_path)
        store.write_manifest(gen, {"schema": store.SCHEMA_VERSION, "files": {}})
        store.switch_current(tmp_path, gen)
        gens.append(gen)
        time.sleep(0.01)  # distinct modification times
    assert os.readlink(tmp_path / store.CURRENT) == gens[-1].name
    assert not list(tmp_path.glob(f".{store.CURRENT}.*"))  # no temporary link left
    store.remove_old_generations(tmp_path, keep=1)
    assert sorted(p.name for p in tmp_path.glob("gen-*")) == sorted(g.name for g in gens[-2:])


def test_the_manifest_round_trips_and_a_broken_one_reads_as_none(tmp_path):
    manifest = {"schema": store.SCHEMA_VERSION, "generation": 3, "files": {"a.txt": {"sig": "1:2", "ids": {}}}}
    store.write_manifest(tmp_path, manifest)
    assert store.read_manifest(tmp_path) == manifest
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
    (tmp_path / store.MANIFEST).write_text("{not json")
    assert store.read_manifest(tmp_path) is None


def test_a_second_lock_on_the_same_index_is_refused_at_once_naming_the_holder(tmp_path):
    with store.Lock(tmp_path):
        with pytest.raises(IndexLocked, match=rf"already running on {tmp_path} \(pid {os.getpid()}\)"):
            with store.Lock(tmp_path):
                pass
    with store.Lock(tmp_path):  # released
        pass


def test_leftovers_of_a_killed_run_are_removed_and_the_current_index_kept(tmp_path):
    _ix, current = store.create_generation(tmp_path)
    store.write_manifest(current, {"schema": store.SCHEMA_VERSION, "files": {}})
    store.switch_current(tmp_path, current)
    _ix, half_made = store.create_generation(tmp_path)  # a --full run killed before its manifest
    os.symlink(current.name, tmp_path / f".{store.CURRENT}.12345")  # killed during a switch
    (current / "MAIN.tmp").mkdir()  # a writer's temporary folder
    (current / ".manifest.json.tmp").write_text("{")  # a file killed before its rename
    removed = store.clean_leftovers(tmp_path)
    assert half_made.name in removed and f".{store.CURRENT}.12345" in removed
    assert f"{current.name}/MAIN.tmp" in removed and f"{current.name}/.manifest.json.tmp" in removed
    assert not half_made.exists() and current.is_dir()
    assert store.open_current(tmp_path)[1] == current.resolve()
    assert store.clean_leftovers(tmp_path) == []


def test_an_index_written_before_the_backend_moved_into_its_folder_still_opens():
    """Its table of contents names the schema's analyzer and formats and the codec by the
    module paths of then (pickled as text: protocol 2's GLOBAL opcode)."""
    import pickle

    from search.backends.whoosh.codec import NewsCodec
    from search.backends.whoosh.schema import make_schema

    schema = make_schema()
    written = pickle.dumps((schema, NewsCodec()), 2)
    old = written.replace(b"search.backends.whoosh.analysis\n", b"search.analysis\n") \
                 .replace(b"search.backends.whoosh.codec\n", b"search.codec\n")
    assert b"search.analysis\n" in old and b"search.codec\n" in old
    read, codec = pickle.loads(old)
    assert type(codec) is NewsCodec
    assert [(name, type(read[name]), type(read[name].format)) for name in read.names()] == \
           [(name, type(schema[name]), type(schema[name].format)) for name in schema.names()]
