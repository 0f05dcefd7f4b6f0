"""Atomic writes: an interrupted write never corrupts or loses a result already written.

File sets (``write_file_set``): several outputs appear whole, as one run's set, or the
previous set stays; concurrent writers of one set never interleave; temporary files of
killed runs are cleaned up; unusable output paths are refused before any work.
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from deepg_interpret import InputError
from deepg_interpret.errors import ArgumentTypeError
from deepg_interpret.io import locks as files_mod
from deepg_interpret.io.file_sets import check_file_set, manifest_path_for, write_file_set
from deepg_interpret.io.files import (
    atomic_write,
    atomic_write_text,
    check_output_paths,
    table_format,
)
from deepg_interpret.io.locks import clean_stale_temps, lock_path_for, output_lock
from deepg_interpret.results.tables import write_table

TABLES = ("result.parquet", "result.per_locus.parquet", "result.summary.parquet")


def test_failed_write_keeps_the_old_file(tmp_path):
    target = atomic_write_text(tmp_path / "result.csv", "old\n")

    def broken(tmp):
        tmp.write_text("half a fi")
        raise KeyboardInterrupt  # e.g. the user stops a long job mid-write

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, broken)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["result.csv"]


def test_keep_suffix_for_format_sniffing_writers(tmp_path):
    seen = []
    atomic_write(tmp_path / "m.h5", lambda tmp: (seen.append(tmp.suffix), tmp.write_text("x")),
                 keep_suffix=True)
    assert seen == [".h5"] and (tmp_path / "m.h5").read_text() == "x"


@pytest.mark.parametrize("name", ["t.parquet", "t.csv", "t.tsv.gz"])
def test_write_table_round_trips(tmp_path, name):
    df = pd.DataFrame({"seq_id": ["a", "b"], "position": [1, 2], "score": [0.5, -1.0]})
    path = write_table(df, tmp_path / "sub" / name)
    back = pd.read_parquet(path) if name.endswith("parquet") else pd.read_csv(
        path, sep="\t" if ".tsv" in name else ",")
    pd.testing.assert_frame_equal(back, df, check_dtype=False)


def test_write_table_unknown_format(tmp_path):
    with pytest.raises(InputError, match=".parquet, .csv or .tsv"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.xlsx")


# --------------------------------------------------------------------------- helpers
def text_writer(text: str):
    return lambda tmp: Path(tmp).write_text(text)


def write_set(folder: Path, tag: str, **kwargs):
    return write_file_set({folder / name: text_writer(f"{tag}:{name}\n") for name in TABLES},
                          **kwargs)


def visible(folder: Path) -> list[str]:
    """Files a user sees (no dot files: the lock file is hidden)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --------------------------------------------------------------------------- table_format
@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.parquet", "parquet"), ("a.csv", "csv"), ("a.CSV.GZ", "csv"), ("a.tsv", "tsv"),
     ("a.tsv.gz", "tsv"), ("a.txt", "tsv"), ("dir.v2/result.per_locus.parquet", "parquet")],
)
def test_table_format(name, kind):
    assert table_format(name) == kind


@pytest.mark.parametrize("name", ["a.xlsx", "a.gz", "a", ".parquet", "a.parquet.bak"])
def test_table_format_rejects_other_suffixes(name):
    with pytest.raises(InputError, match=r"\.parquet, \.csv or \.tsv") as err:
        table_format(name)
    assert repr(name) in str(err.value)


# --------------------------------------------------------------------------- the set
def test_set_is_written_with_a_manifest(tmp_path):
    done = write_set(tmp_path / "out", "run1", metadata={"command": "ig"})
    out = tmp_path / "out"
    assert visible(out) == sorted([*TABLES, "result.parquet.manifest.json"])
    assert temp_files(out) == []
    assert done.manifest == manifest_path_for(out / "result.parquet")
    body = check_file_set(out / "result.parquet")
    assert body["run_id"] == done.run_id and len(done.run_id) == 32
    assert [f["path"] for f in body["files"]] == list(TABLES)
    assert body["metadata"] == {"command": "ig"}
    assert all(len(f["sha256"]) == 64 for f in body["files"])
    # the manifest can be given directly too
    assert check_file_set(done.manifest)["run_id"] == done.run_id


def test_a_failing_writer_leaves_the_old_set_untouched(tmp_path):
    old = write_set(tmp_path, "old")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if not p.name.startswith(".")}
    calls = []

    def broken(tmp):
        calls.append(tmp)
        tmp.write_text("half a tab")
        raise RuntimeError("writer 2 failed")

    with pytest.raises(RuntimeError, match="writer 2 failed"):
        write_file_set({
            tmp_path / TABLES[0]: text_writer("new 1"),
            tmp_path / TABLES[1]: broken,
            tmp_path / TABLES[2]: text_writer("new 3"),
        })
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert after == before  # no new file, none changed, manifest still the old run's
    assert temp_files(tmp_path) == []
    assert calls and not calls[0].exists()
    assert check_file_set(tmp_path / TABLES[0])["run_id"] == old.run_id


def test_a_failing_first_set_leaves_nothing(tmp_path):
    def broken(tmp):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_file_set({tmp_path / "a.csv": text_writer("a"), tmp_path / "b.csv": broken})
    assert visible(tmp_path) == [] and temp_files(tmp_path) == []


def test_a_failing_rename_is_rolled_back(tmp_path, monkeypatch):
    old = write_set(tmp_path, "old")
    before = {name: (tmp_path / name).read_text() for name in TABLES}
    real_replace = os.replace
    renamed = []

    def flaky_replace(src, dst):
        if Path(dst).name == TABLES[2]:  # the third rename fails
            raise OSError(errno.EIO, "I/O error")
        renamed.append(Path(dst).name)
        return real_replace(src, dst)

    monkeypatch.setattr(files_mod.os, "replace", flaky_replace)
    with pytest.raises(OSError, match="I/O error"):
        write_set(tmp_path, "new")
    monkeypatch.undo()
    assert renamed[:2] == list(TABLES[:2])  # two files had been replaced ...
    assert {name: (tmp_path / name).read_text() for name in TABLES} == before  # ... and put back
    assert check_file_set(tmp_path / TABLES[0])["run_id"] == old.run_id
    assert temp_files(tmp_path) == []


def test_check_file_set_detects_mixed_and_incomplete_sets(tmp_path):
    write_set(tmp_path, "run1")
    # another run replaces one table by hand (or a run was killed mid-rename)
    atomic_write_text(tmp_path / TABLES[1], "run2 table, other size\n")
    with pytest.raises(InputError, match="different runs are mixed"):
        check_file_set(tmp_path / TABLES[0])
    write_set(tmp_path, "run3")
    (tmp_path / TABLES[2]).unlink()
    with pytest.raises(InputError, match="missing"):
        check_file_set(tmp_path / TABLES[0], checksums=False)
    manifest_path_for(tmp_path / TABLES[0]).unlink()
    with pytest.raises(InputError, match="incomplete"):
        check_file_set(tmp_path / TABLES[0])


def test_keep_suffix_and_files_in_several_folders(tmp_path):
    seen = []

    def writer(tmp):
        seen.append(tmp.name)
        tmp.write_text("x")

    done = write_file_set({tmp_path / "a" / "r.csv.gz": writer,
                           tmp_path / "b" / "r.tsv": writer}, keep_suffix=True)
    assert seen[0].endswith(".tmp.gz") and seen[1].endswith(".tmp.tsv")
    body = check_file_set(tmp_path / "a" / "r.csv.gz")
    assert [f["path"] for f in body["files"]] == ["r.csv.gz", os.path.join("..", "b", "r.tsv")]
    assert body["paths"][1] == (tmp_path / "b" / "r.tsv").absolute()
    assert done.paths == (tmp_path / "a" / "r.csv.gz", tmp_path / "b" / "r.tsv")


def test_writer_that_ignores_its_temp_path_is_reported(tmp_path):
    with pytest.raises(InputError, match="did not create the temporary file"):
        write_file_set({tmp_path / "a.csv": lambda tmp: None})
    assert visible(tmp_path) == []


def test_write_file_set_argument_errors(tmp_path):
    with pytest.raises(InputError, match="`files` is empty"):
        write_file_set({})
    with pytest.raises(ArgumentTypeError, match="`files` must be a dict"):
        write_file_set([tmp_path / "a.csv"])
    with pytest.raises(ArgumentTypeError, match="must be a function"):
        write_file_set({tmp_path / "a.csv": "text"})
    with pytest.raises(InputError, match="lock_timeout"):
        write_file_set({tmp_path / "a.csv": text_writer("a")}, lock_timeout=-1)
    with pytest.raises(InputError, match="given twice"):
        write_file_set({tmp_path / "a.csv": text_writer("a"),
                        str(tmp_path / "x" / ".." / "a.csv"): text_writer("b")})


# --------------------------------------------------------------------------- disk full
def enospc_writer(tmp):
    Path(tmp).write_text("partial")
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_is_a_clear_input_error(tmp_path):
    old = write_set(tmp_path, "old")
    files = {tmp_path / name: text_writer("new") for name in TABLES}
    files[tmp_path / TABLES[2]] = enospc_writer
    with pytest.raises(InputError, match="is full") as err:
        write_file_set(files)
    message = str(err.value)
    assert TABLES[2] in message and "free some space" in message
    assert isinstance(err.value.__cause__, OSError)
    assert err.value.__cause__.errno == errno.ENOSPC
    assert check_file_set(tmp_path / TABLES[0])["run_id"] == old.run_id
    assert temp_files(tmp_path) == []


def test_disk_full_in_atomic_write(tmp_path):
    with pytest.raises(InputError, match="is full"):
        atomic_write(tmp_path / "a.csv", enospc_writer)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- up-front checks
def test_check_output_paths_accepts_new_nested_paths(tmp_path):
    paths = [tmp_path / "new" / "deeper" / "r.parquet", tmp_path / "r.tsv.gz"]
    assert check_output_paths(paths, tables=True) == paths
    assert not (tmp_path / "new").exists()  # nothing is created
    assert check_output_paths(str(tmp_path / "x.png")) == [tmp_path / "x.png"]
    assert list(tmp_path.iterdir()) == []  # the probe file is gone


def test_check_output_paths_existing_directory(tmp_path):
    (tmp_path / "result.parquet").mkdir()
    with pytest.raises(InputError, match="is an existing folder") as err:
        check_output_paths([tmp_path / "result.parquet"])
    assert str(tmp_path / "result.parquet") in str(err.value)


def test_check_output_paths_bad_suffix(tmp_path):
    with pytest.raises(InputError, match="table format of .*result.xlsx"):
        check_output_paths([tmp_path / "result.parquet", tmp_path / "result.xlsx"], tables=True)


def test_check_output_paths_file_used_as_folder(tmp_path):
    (tmp_path / "plain.txt").write_text("x")
    with pytest.raises(InputError, match="is a file, not a folder"):
        check_output_paths([tmp_path / "plain.txt" / "sub" / "result.parquet"])
    with pytest.raises(InputError, match="is a file, not a folder"):
        write_file_set({tmp_path / "plain.txt" / "r.csv": text_writer("x")})


def test_check_output_paths_read_only_folder(tmp_path):
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        try:
            with pytest.raises(InputError, match="not writable") as err:
                check_output_paths([folder / "sub" / "result.parquet"])
            assert str(folder) in str(err.value)
            with pytest.raises(InputError, match="not writable"):
                write_file_set({folder / "r.csv": text_writer("x")})
        finally:
            folder.chmod(0o755)
    else:
        # root ignores permission bits; /proc refuses new files even to root
        if not os.path.isdir("/proc/self"):
            pytest.skip("no /proc to stand in for a read-only folder")
        with pytest.raises(InputError, match="not writable") as err:
            check_output_paths(["/proc/deepg_interpret_out/result.parquet"])
        assert "/proc" in str(err.value)


def test_check_output_paths_free_space(tmp_path):
    with pytest.raises(InputError, match="GB free"):
        check_output_paths([tmp_path / "r.parquet"], required_bytes=1 << 62)
    check_output_paths([tmp_path / "r.parquet"], required_bytes=1)


def test_check_output_paths_argument_types():
    with pytest.raises(ArgumentTypeError, match="paths"):
        check_output_paths([3])
    with pytest.raises(ArgumentTypeError, match="paths"):
        check_output_paths(42)


# --------------------------------------------------------------------------- stale temps
def test_stale_temps_of_the_set_are_removed(tmp_path):
    old = tmp_path / f".{TABLES[0]}.0123456789ab.tmp"
    old_suffixed = tmp_path / f".{TABLES[1]}.aaaaaaaaaaaa.tmp.parquet"
    fresh = tmp_path / f".{TABLES[0]}.bbbbbbbbbbbb.tmp"  # a live writer's file: too young
    unrelated = tmp_path / ".other.parquet.cccccccccccc.tmp"
    not_ours = tmp_path / f".{TABLES[0]}.notahexname1.tmp"
    for p in (old, old_suffixed, fresh, unrelated, not_ours):
        p.write_text("half")
    for p in (old, old_suffixed, unrelated, not_ours):
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    write_set(tmp_path, "new")
    left = {p.name for p in tmp_path.iterdir()}
    assert old.name not in left and old_suffixed.name not in left
    assert {fresh.name, unrelated.name, not_ours.name} <= left
    assert clean_stale_temps([tmp_path / TABLES[0]], older_than=0) == [fresh]


def test_temps_of_a_killed_writer_are_removed_at_once(tmp_path):
    """A writer killed mid-set leaves its temp names in the lock file; the next one cleans them."""
    out = tmp_path / TABLES[0]
    orphan = tmp_path / f".{TABLES[0]}.dddddddddddd.tmp"  # brand new: age alone would keep it
    orphan.write_text("half")
    lock_path_for(out).write_text(json.dumps({
        "pid": 2**22 + 12345, "host": "somewhere", "state": "writing",
        "temps": [str(orphan)],
    }))
    write_set(tmp_path, "new")
    assert not orphan.exists()
    record = json.loads(lock_path_for(out).read_text())
    assert record["state"] == "done" and record["temps"] == [] and record["pid"] == os.getpid()


def _killed_writer(folder: str, ready) -> None:
    """Starts writing a set, then 'dies' (os._exit) in the middle of writer 2."""
    def hang(tmp):
        Path(tmp).write_text("half")
        ready.set()
        time.sleep(60)

    write_file_set({Path(folder) / TABLES[0]: text_writer("x"),
                    Path(folder) / TABLES[1]: hang})


def test_a_killed_process_releases_the_lock_and_its_temps_go(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_killed_writer, args=(str(tmp_path), ready))
    proc.start()
    try:
        assert ready.wait(60), "the child writer did not start"
        assert len(temp_files(tmp_path)) == 2
        from deepg_interpret import OutputBusyError

        with pytest.raises(OutputBusyError, match="Another deepg-interpret run .*writing"):
            write_set(tmp_path, "blocked", lock_timeout=0.2)
    finally:
        proc.kill()
        proc.join(30)
    done = write_set(tmp_path, "after")
    assert temp_files(tmp_path) == []
    assert check_file_set(tmp_path / TABLES[0])["run_id"] == done.run_id


# --------------------------------------------------------------------------- concurrency
def test_concurrent_threads_never_interleave(tmp_path):
    """Each writer's files name its run; with the lock, the final set is one run's."""
    active, overlaps, errors = [], [], []

    def slow_writer(tag, name):
        def write(tmp):
            active.append(tag)
            if len(set(active)) > 1:
                overlaps.append(tuple(active))
            time.sleep(0.02)
            Path(tmp).write_text(f"{tag}:{name}\n")
            active.remove(tag)
        return write

    def run(tag):
        try:
            write_file_set({tmp_path / n: slow_writer(tag, n) for n in TABLES},
                           run_id=tag, lock_timeout=30)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(f"run{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and overlaps == []
    run_id = check_file_set(tmp_path / TABLES[0])["run_id"]
    assert {(tmp_path / n).read_text() for n in TABLES} == {f"{run_id}:{n}\n" for n in TABLES}
    assert temp_files(tmp_path) == []


def _process_writer(folder: str, tag: str, rounds: int) -> None:
    for i in range(rounds):
        write_file_set(
            {Path(folder) / n: text_writer(f"{tag}-{i}:{n}\n" + "x" * (i * 100)) for n in TABLES},
            run_id=f"{tag}-{i}", lock_timeout=60,
        )


def test_concurrent_processes_never_mix_sets(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_writer, args=(str(tmp_path), f"p{i}", 15))
             for i in range(2)]
    for p in procs:
        p.start()
    seen = set()
    while any(p.is_alive() for p in procs):
        # a reader holding the lock sees one whole set every time
        with output_lock(tmp_path / TABLES[0], lock_timeout=30):
            if manifest_path_for(tmp_path / TABLES[0]).exists():
                run_id = check_file_set(tmp_path / TABLES[0])["run_id"]
                texts = {(tmp_path / n).read_text().split(":")[0] for n in TABLES}
                assert texts == {run_id}
                seen.add(run_id)
        time.sleep(0.01)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    final = check_file_set(tmp_path / TABLES[0])["run_id"]
    assert final in {"p0-14", "p1-14"} and seen
    assert temp_files(tmp_path) == []


def test_lock_timeout_message(tmp_path):
    out = tmp_path / TABLES[0]
    with output_lock(out, lock_timeout=0):
        with pytest.raises(InputError) as err:
            write_set(tmp_path, "second", lock_timeout=0.1)
    message = str(err.value)
    assert "Another deepg-interpret run" in message and str(out) in message
    assert "choose another output path (--out)" in message
    assert visible(tmp_path) == []
    write_set(tmp_path, "third", lock_timeout=0)  # released afterwards


def test_o_excl_lock_fallback(tmp_path, monkeypatch):
    """Without fcntl (Windows) the lock is an O_EXCL file; a dead pid's lock is taken over."""
    monkeypatch.setattr(files_mod, "_fcntl", None)
    out = tmp_path / TABLES[0]
    with output_lock(out, lock_timeout=0):
        assert json.loads(lock_path_for(out).read_text())["pid"] == os.getpid()
        with pytest.raises(InputError, match="Another deepg-interpret run"):
            write_set(tmp_path, "blocked", lock_timeout=0.1)
    assert not lock_path_for(out).exists()
    # a lock left by a dead process on this host, with a temp file it was writing
    orphan = tmp_path / f".{TABLES[0]}.eeeeeeeeeeee.tmp"
    orphan.write_text("half")
    lock_path_for(out).write_text(json.dumps({
        "pid": 2**22 + 12345, "host": files_mod.socket.gethostname(), "state": "writing",
        "temps": [str(orphan)],
    }))
    done = write_set(tmp_path, "after", lock_timeout=1)
    assert check_file_set(out)["run_id"] == done.run_id
    assert not orphan.exists() and not lock_path_for(out).exists()
