import json
import subprocess
import sys
from pathlib import Path

import pytest

from kosent_common.atomic import (
    atomic_path,
    atomic_write,
    is_temp,
    remove_temps,
    temp_path,
    write_bytes_atomic,
    write_json_atomic,
)


def test_temp_name_is_hidden_beside_the_target_of_the_same_type(tmp_path):
    local = temp_path(tmp_path / "corpus" / "shard-00000.txt")
    assert isinstance(local, Path) and local.parent == tmp_path / "corpus"
    assert local.name.startswith(".shard-00000.txt.tmp-") and is_temp(local.name)
    assert temp_path("gs://bucket/records/pretrain_data-0-of-2").startswith(
        "gs://bucket/records/.pretrain_data-0-of-2.tmp-"
    )
    assert not is_temp("shard-00000.txt") and not is_temp(".state")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "deep" / "manifest.json"
    write_json_atomic(target, {"문장": "010-1234-5678로 연락"})
    before = target.read_bytes()
    assert before == '{\n  "문장": "010-1234-5678로 연락"\n}\n'.encode()  # UTF-8, not \\u escapes
    with pytest.raises(RuntimeError), atomic_write(target, "w") as out:
        out.write("{half")
        raise RuntimeError("killed mid-write")
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["manifest.json"]


def test_a_path_writer_publishes_only_on_success(tmp_path):
    target = str(tmp_path / "part.parquet")
    with atomic_path(target) as tmp:
        assert isinstance(tmp, str) and is_temp(Path(tmp).name)
        Path(tmp).write_bytes(b"PAR1")
        assert not Path(target).exists()  # readers never see a half-written file
    assert Path(target).read_bytes() == b"PAR1"
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        Path(tmp).write_bytes(b"broken")
        raise ValueError
    assert Path(target).read_bytes() == b"PAR1" and len(list(tmp_path.iterdir())) == 1


def test_a_killed_writer_leaves_a_temporary_that_remove_temps_clears(tmp_path):
    script = (
        "import os, sys\n"
        "from kosent_common.atomic import atomic_write\n"
        "with atomic_write(sys.argv[1], 'wb') as out:\n"
        "    out.write(b'half of it'); out.flush(); os._exit(9)\n"
    )
    target = tmp_path / "out" / "pretrain_data-0-of-1"
    done = subprocess.run([sys.executable, "-c", script, str(target)], check=False)
    assert done.returncode == 9
    (leftover,) = target.parent.iterdir()
    assert is_temp(leftover.name) and not target.exists()
    (tmp_path / "out" / "keep.txt").write_text("a finished file stays\n")
    sub = tmp_path / "out" / "state"
    sub.mkdir()
    (sub / ".shard-00001.json.tmp-77").write_text("{")
    assert remove_temps(tmp_path / "out", "other-*") == []  # another writer's names stay
    assert remove_temps(tmp_path / "out", "pretrain_data-*") == [str(leftover)]
    assert remove_temps(tmp_path / "out", recursive=True) == [str(sub / ".shard-00001.json.tmp-77")]
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["keep.txt", "state"]
    assert remove_temps(tmp_path / "missing") == []


def test_urls_go_through_tf_gfile_the_same_way():
    """gs:// and other URLs use tf.io.gfile; TensorFlow's in-memory `ram://` stands in."""
    import tensorflow as tf

    folder = "ram://kosent-atomic-test/run"
    write_bytes_atomic(f"{folder}/weights/latest.json", b"{}\n")
    write_json_atomic(f"{folder}/weights/latest.json", {"step": 3, "이름": "모델"}, True)
    with tf.io.gfile.GFile(f"{folder}/weights/latest.json", "rb") as handle:
        assert json.loads(handle.read()) == {"step": 3, "이름": "모델"}
    with pytest.raises(OSError), atomic_write(f"{folder}/weights/latest.json") as out:
        out.write(b"partial")
        raise OSError("connection reset")
    assert tf.io.gfile.listdir(f"{folder}/weights") == ["latest.json"]
    with tf.io.gfile.GFile(temp_path(f"{folder}/weights/step-9.npz"), "wb") as handle:
        handle.write(b"left by a killed run")
    assert remove_temps(folder, recursive=True) == [temp_path(f"{folder}/weights/step-9.npz")]
    assert tf.io.gfile.listdir(f"{folder}/weights") == ["latest.json"]
