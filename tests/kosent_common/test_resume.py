import os

from kosent_common.resume import file_stamp, fingerprint, finished, read_state, write_state


def test_fingerprint_follows_options_and_every_input_file(tmp_path):
    shard = tmp_path / "shard-00000.txt"
    shard.write_text("첫 문장이다.\n둘째 문장은 www.x.com에서 왔다.\n", encoding="utf-8")
    options = {"max_seq_length": 128, "seed": 0}
    first = fingerprint(options, [str(shard)])
    assert fingerprint(dict(reversed(options.items())), [str(shard)]) == first  # key order
    assert fingerprint({**options, "seed": 1}, [str(shard)]) != first
    os.utime(shard, ns=(1, shard.stat().st_mtime_ns + 1_000_000))  # touched, same bytes
    assert fingerprint(options, [str(shard)]) != first
    assert file_stamp(shard) == (shard.stat().st_size, shard.stat().st_mtime_ns)
    assert file_stamp(tmp_path / "gone.txt") == (None, None)  # vanished: fingerprinted too
    assert fingerprint(options, [str(tmp_path / "gone.txt")]) != fingerprint(options, [])


def test_a_unit_is_finished_only_with_the_same_input_and_all_outputs(tmp_path):
    state, out = tmp_path / "state" / "shard-00000.json", tmp_path / "shard-00000.txt"
    assert finished(state, "input_sha256", "abc", [out]) is None  # never ran
    out.write_text("문장\n", encoding="utf-8")
    write_state(state, {"input_sha256": "abc", "docs": 2})
    assert finished(state, "input_sha256", "abc", [out]) == {"input_sha256": "abc", "docs": 2}
    assert finished(state, "input_sha256", "abd", [out]) is None  # other input
    assert finished(state, "input_sha256", "abc", [out, tmp_path / "x.parquet"]) is None
    state.write_text('{"input_sha256": "ab', encoding="utf-8")  # torn by hand: redo it
    assert read_state(state) is None and finished(state, "input_sha256", "abc", [out]) is None


def test_state_files_behind_a_url():
    import tensorflow as tf

    path = "ram://kosent-resume-test/records/.state/pretrain_data-0-of-1.json"
    assert read_state(path) is None
    write_state(path, {"fingerprint": "f", "stats": {"examples": 3}})
    assert read_state(path)["stats"] == {"examples": 3}
    output = "ram://kosent-resume-test/records/pretrain_data-0-of-1"
    assert finished(path, "fingerprint", "f", [output]) is None
    with tf.io.gfile.GFile(output, "wb") as handle:
        handle.write(b"records")
    assert finished(path, "fingerprint", "f", [output])["stats"] == {"examples": 3}
