"""When a finished stage counts as up to date, and the reason given when it does not."""

import os

import pytest

from kosent import fingerprint as fp


def make(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def done(snap):
    state = {"stages": {}}
    fp.record(state, "vocab", snap, "done", 1.0)
    return state["stages"]["vocab"]


def test_a_finished_stage_with_the_same_inputs_is_up_to_date(tmp_path):
    out = tmp_path / "out"
    manifest = make(out, "corpus/m3/manifest.json", '{"docs": 3}')
    source = make(tmp_path, "kcbert.txt", "안녕하세요\n")
    command = [["vocab.build", "--corpus", str(out / "corpus/m3")]]
    snap = fp.snapshot(command, {"corpus/m3/manifest.json": manifest}, [source], out)
    assert snap["commands"] == [["vocab.build", "--corpus", "$OUT/corpus/m3"]]
    record = done(snap)
    assert fp.why_stale(record, snap, []) is None
    assert fp.why_stale(record, snap, ["vocab/vocab.txt"]) == "vocab/vocab.txt is missing"
    assert fp.why_stale(None, snap, ["vocab/vocab.txt"]) == "no earlier run recorded"
    assert fp.why_stale(None, snap, []) == "output of an unrecorded run"

    # A predecessor's manifest with other bytes, an input touched, another command line.
    manifest.write_text('{"docs": 4}', encoding="utf-8")
    again = fp.snapshot(command, {"corpus/m3/manifest.json": manifest}, [source], out)
    assert fp.why_stale(record, again, []) == "corpus/m3/manifest.json changed"
    manifest.write_text('{"docs": 3}', encoding="utf-8")
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = fp.snapshot(command, {"corpus/m3/manifest.json": manifest}, [source], out)
    assert fp.why_stale(record, again, []) == f"input {source} changed"
    other = fp.snapshot([[*command[0], "--unused", "3"]], {}, [source], out)
    assert fp.why_stale(record, other, []) == "its command line changed"


def test_the_record_survives_moving_the_output_folder(tmp_path):
    manifest = make(tmp_path, "a/corpus/manifest.json", "{}")
    snap_a = fp.snapshot(
        [["x", str(tmp_path / "a" / "vocab")]], {"m": manifest}, [], tmp_path / "a"
    )
    moved = make(tmp_path, "b/corpus/manifest.json", "{}")
    snap_b = fp.snapshot([["x", str(tmp_path / "b" / "vocab")]], {"m": moved}, [], tmp_path / "b")
    assert fp.fingerprint(snap_a) == fp.fingerprint(snap_b)


def test_an_unfinished_run_resumes_only_with_the_same_inputs(tmp_path):
    snap = fp.snapshot([["corpus.build", "--recipe", "model3"]], {}, [], tmp_path)
    state = {"stages": {}}
    fp.record(state, "corpus", snap, "running")
    record = state["stages"]["corpus"]
    assert fp.why_stale(record, snap, []) == "its last run did not finish"
    assert fp.resumable(record, snap)
    edited = fp.snapshot([["corpus.build", "--recipe", "model4"]], {}, [], tmp_path)
    assert not fp.resumable(record, edited)
    assert not fp.resumable(done(snap), snap)


def test_state_is_written_atomically_and_read_back(tmp_path):
    assert fp.load_state(tmp_path) == {"version": fp.VERSION, "stages": {}}
    state = fp.load_state(tmp_path)
    fp.record(state, "corpus", fp.snapshot([["corpus.build"]], {}, [], tmp_path), "done", 2.5)
    fp.save_state(tmp_path, state)
    assert fp.load_state(tmp_path) == state
    assert [p.name for p in tmp_path.iterdir()] == [fp.STATE_FILE]


def test_a_damaged_state_file_is_an_error_that_says_what_to_do(tmp_path):
    (tmp_path / fp.STATE_FILE).write_text('{"version": 1, "stages": {"corpus": ')
    with pytest.raises(fp.StateError, match="remove it, and every stage under .* is rebuilt"):
        fp.load_state(tmp_path)


def test_a_touched_input_is_told_apart_from_an_edited_one(tmp_path):
    """A touch (same size, new mtime) may rebuild the same output; an edit that changes the
    size will not: only the latter stops the command before it rebuilds anything."""
    source = make(tmp_path, "kcbert.txt", "안녕하세요\n")
    command = [["corpus.build", "--recipe", "r"]]
    record = done(fp.snapshot(command, {}, [source], tmp_path))
    stamp = source.stat()
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))
    touched = fp.snapshot(command, {}, [source], tmp_path)
    assert fp.inputs_changed(record, touched) and fp.only_touched(record, touched)
    with open(source, "a", encoding="utf-8") as handle:
        handle.write("새 댓글\n")
    edited = fp.snapshot(command, {}, [source], tmp_path)
    assert fp.inputs_changed(record, edited) and not fp.only_touched(record, edited)
    other = fp.snapshot([["corpus.build", "--recipe", "s"]], {}, [source], tmp_path)
    assert not fp.only_touched(record, other)


def test_a_config_is_compared_by_content(tmp_path):
    command = [["pretrain.train", "--config", "$OUT/pretrain.json"]]
    record = done(fp.snapshot(command, {}, [], tmp_path, {"learning_rate": 1e-3}))
    same = fp.snapshot(command, {}, [], tmp_path, {"learning_rate": 1e-3})
    assert fp.why_stale(record, same, []) is None
    other = fp.snapshot(command, {}, [], tmp_path, {"learning_rate": 5e-4})
    assert fp.why_stale(record, other, []) == "its config changed"
    assert fp.inputs_changed(record, other) and not fp.only_touched(record, other)
