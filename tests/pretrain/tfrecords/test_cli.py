import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from pretrain.tfrecords.cli import main
from pretrain.tfrecords.schema import (
    MANIFEST,
    RecordsError,
    RecordsManifest,
    feature_spec,
    record_files,
)

L = 64


def write(corpus, vocab, out, *extra, length=L):
    """Run the CLI as a user would."""
    return main(
        [
            "--corpus-dir",
            str(corpus),
            "--vocab-file",
            str(vocab),
            "--output-dir",
            str(out),
            "--max-seq-length",
            str(length),
            *extra,
        ]
    )


@pytest.fixture(scope="module")
def records(corpus_dir, vocab_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("records")
    assert write(corpus_dir, vocab_file, out, "--num-out-files", "3") == 0
    return out


def parse(records_dir, length=L):
    files = sorted(str(p) for p in records_dir.glob("pretrain_data.tfrecord-*"))
    dataset = tf.data.TFRecordDataset(files).map(
        lambda r: tf.io.parse_single_example(r, feature_spec(length))
    )
    return [{k: v.numpy() for k, v in example.items()} for example in dataset]


def test_every_example_has_the_electra_layout(records, vocab_file):
    vocab = vocab_file.read_text(encoding="utf-8").splitlines()
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    examples = parse(records)
    assert len(examples) > 100
    for ex in examples:
        ids, mask, seg = ex["input_ids"], ex["input_mask"], ex["segment_ids"]
        used = int(mask.sum())
        assert mask.tolist() == [1] * used + [0] * (L - used)
        assert ids[0] == cls and ids[used - 1] == sep
        assert (ids[used:] == 0).all() and (seg[used:] == 0).all()
        seps = np.flatnonzero(ids[:used] == sep).tolist()
        assert len(seps) in (1, 2)
        if len(seps) == 2:  # [CLS] A [SEP] B [SEP]
            assert seg[: seps[0] + 1].tolist() == [0] * (seps[0] + 1)
            assert seg[seps[0] + 1 : used].tolist() == [1] * (used - seps[0] - 1)
        else:
            assert seps == [used - 1] and not seg.any()
        assert (ids[:used] < len(vocab)).all() and (ids[1 : used - 1] != cls).all()


def test_manifest_describes_the_records_and_the_vocab(records, vocab_file):
    manifest = RecordsManifest.read(records)
    examples = parse(records)
    assert manifest.examples == len(examples) and manifest.max_seq_length == L
    assert manifest.tokens == sum(int(e["input_mask"].sum()) for e in examples)
    two = sum(1 for e in examples if e["segment_ids"].any())
    assert manifest.two_segment_share == pytest.approx(two / len(examples))
    # what pretrain.train takes from here instead of asking again
    assert manifest.vocab_sha256 == hashlib.sha256(vocab_file.read_bytes()).hexdigest()
    assert manifest.vocab_size == len(vocab_file.read_text(encoding="utf-8").splitlines())
    assert manifest.do_lower_case is False
    raw = json.loads((records / MANIFEST).read_text(encoding="utf-8"))
    assert raw["version"] == RecordsManifest.VERSION == 1
    assert {"max_seq_length", "examples", "vocab_sha256", "vocab_size", "lower_case"} <= set(raw)


def test_manifest_round_trip_and_versions(records, tmp_path):
    manifest = RecordsManifest.read(records)
    manifest.write(tmp_path / "copy")
    assert RecordsManifest.read(tmp_path / "copy") == manifest
    raw = json.loads((records / MANIFEST).read_text(encoding="utf-8"))
    old = tmp_path / "old"
    old.mkdir()
    (old / MANIFEST).write_text(json.dumps({k: v for k, v in raw.items() if k != "version"}))
    assert RecordsManifest.read(old) == manifest  # written before manifests had versions
    (old / MANIFEST).write_text(json.dumps({**raw, "version": 2}))
    with pytest.raises(RecordsError, match="has version 2, newer than the version 1"):
        RecordsManifest.read(old)
    with pytest.raises(RecordsError, match="has no manifest.json: write it with python -m pre"):
        RecordsManifest.read(tmp_path / "none")


def test_same_seed_same_bytes_whatever_the_processes(corpus_dir, vocab_file, records, tmp_path):
    assert (
        write(corpus_dir, vocab_file, tmp_path, "--num-out-files", "3", "--num-processes", "2") == 0
    )
    for name in [p.name for p in records.glob("pretrain_data.tfrecord-*")]:
        assert (tmp_path / name).read_bytes() == (records / name).read_bytes()
    other = tmp_path / "seed1"
    assert write(corpus_dir, vocab_file, other, "--num-out-files", "3", "--seed", "1") == 0
    first = "pretrain_data.tfrecord-0-of-3"
    assert (other / first).read_bytes() != (records / first).read_bytes()


def test_documents_never_span_examples_unless_asked(tmp_path, vocab_file):
    vocab = vocab_file.read_text(encoding="utf-8").splitlines()
    words = [t for t in vocab[10:] if not t.startswith("##") and len(t) > 1][:40]
    corpus = tmp_path / "text"
    corpus.mkdir()
    docs = [[f"{words[d]} {words[d]}"] * (1 + d % 4) for d in range(40)]
    (corpus / "shard-00000.txt").write_text("\n\n".join("\n".join(d) for d in docs) + "\n")
    ids = {vocab.index(w) for w in words}
    for flag, expect_mixed in (([], False), (["--pack-across-docs"], True)):
        out = tmp_path / f"out{len(flag)}"
        assert write(corpus, vocab_file, out, *flag, length=32) == 0
        mixed = [len(set(e["input_ids"].tolist()) & ids) > 1 for e in parse(out, 32)]
        assert any(mixed) == expect_mixed


def test_rerun_redoes_only_missing_files_and_refuses_other_settings(
    corpus_dir, vocab_file, tmp_path, capsys
):
    assert write(corpus_dir, vocab_file, tmp_path, "--num-out-files", "3") == 0
    files = sorted(tmp_path.glob("pretrain_data.tfrecord-*"))
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    files[1].unlink()  # as if the run had been killed before writing it
    assert write(corpus_dir, vocab_file, tmp_path, "--num-out-files", "3") == 0
    for p in sorted(tmp_path.glob("pretrain_data.tfrecord-*")):
        assert p.read_bytes() == before[p.name][0]
        assert (p.stat().st_mtime_ns == before[p.name][1]) == (p.name != files[1].name)
    assert write(corpus_dir, vocab_file, tmp_path, "--num-out-files", "2") == 2
    assert "other settings (num_out_files 3 there, 2 now)" in capsys.readouterr().err


def test_a_refusal_names_every_setting_that_differs(corpus_dir, vocab_file, tmp_path, capsys):
    assert write(corpus_dir, vocab_file, tmp_path, "--num-out-files", "2") == 0
    capsys.readouterr()
    assert write(corpus_dir, vocab_file, tmp_path, "--num-out-files", "2", length=32) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert "(max_seq_length 64 there, 32 now)" in err and "--overwrite" in err
    again = ["--num-out-files", "2", "--pack-across-docs", "--seed", "3"]
    assert write(corpus_dir, vocab_file, tmp_path, *again) == 2
    assert "(pack_across_docs false there, true now, seed 0 there, 3 now)" in (
        capsys.readouterr().err
    )


def test_a_vocab_replaced_in_place_is_refused_not_reused(corpus_dir, vocab_file, tmp_path, capsys):
    """Same path, other ids: the records' files must not be taken as built with it."""
    vocab = tmp_path / "vocab.txt"
    tokens = vocab_file.read_text(encoding="utf-8").splitlines()
    vocab.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    out = tmp_path / "records"
    assert write(corpus_dir, vocab, out, "--num-out-files", "2") == 0
    before = {p.name: p.read_bytes() for p in out.glob("pretrain_data.tfrecord-*")}
    a, b = tokens.index("다"), tokens.index(".")  # frequent: the records must change
    tokens[a], tokens[b] = tokens[b], tokens[a]
    vocab.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert write(corpus_dir, vocab, out, "--num-out-files", "2") == 2
    assert "(vocab_sha256 " in capsys.readouterr().err
    assert write(corpus_dir, vocab, out, "--num-out-files", "2", "--overwrite") == 0
    after = {p.name: p.read_bytes() for p in out.glob("pretrain_data.tfrecord-*")}
    assert after.keys() == before.keys() and after != before  # rebuilt with the new ids
    assert RecordsManifest.read(out).vocab_sha256 == hashlib.sha256(vocab.read_bytes()).hexdigest()


def test_a_complete_folder_says_it_was_reused(corpus_dir, vocab_file, tmp_path, capsys):
    assert write(corpus_dir, vocab_file, tmp_path, "--num-out-files", "2") == 0
    capsys.readouterr()
    assert write(corpus_dir, vocab_file, tmp_path, "--num-out-files", "2") == 0
    said = capsys.readouterr().out
    assert "tfrecords: already complete (reused): " in said and "--overwrite to rebuild" in said
    assert " in 0.0s" not in said


def test_a_killed_runs_unfinished_file_is_removed_and_never_read(
    corpus_dir, vocab_file, records, tmp_path
):
    for path in records.glob("pretrain_data.tfrecord-*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / MANIFEST).write_bytes((records / MANIFEST).read_bytes())
    stray = tmp_path / ".pretrain_data.tfrecord-1-of-3.tmp-4242"  # as a kill -9 leaves it
    stray.write_bytes(b"half a record")
    manifest = RecordsManifest.read(tmp_path)
    files = record_files(tmp_path, manifest)
    assert sorted(Path(f).name for f in files) == sorted(p.name for p in records.glob("pretrain_*"))
    assert write(corpus_dir, vocab_file, tmp_path, "--num-out-files", "3") == 0
    assert not stray.exists()
    (tmp_path / "pretrain_data.tfrecord-2-of-3").unlink()
    with pytest.raises(RecordsError, match="1 record files of manifest.json missing"):
        record_files(tmp_path, manifest)


def test_text_that_is_not_utf8_is_a_clear_error(tmp_path, vocab_file, capsys):
    corpus = tmp_path / "text"
    corpus.mkdir()
    (corpus / "shard-00000.txt").write_bytes("첫 줄\n둘째 줄\n".encode() + b"bad \xff byte\n")
    assert write(corpus, vocab_file, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "shard-00000.txt, line 3: not UTF-8 text" in err and "byte 4 of the line" in err
    assert not list((tmp_path / "out").glob("pretrain_data.tfrecord-*"))


def test_url_paths_go_through_tf_gfile(corpus_dir, vocab_file, records):
    """`gs://` and other URLs use tf.io.gfile; TensorFlow's in-memory `ram://` stands in."""
    remote = "ram://kosent-test"
    for path in sorted((corpus_dir / "text").glob("*.txt")):
        tf.io.gfile.makedirs(f"{remote}/corpus/text")
        tf.io.gfile.copy(str(path), f"{remote}/corpus/text/{path.name}", overwrite=True)
    out = f"{remote}/records"
    assert write(f"{remote}/corpus", vocab_file, out, "--num-out-files", "3") == 0
    for name in sorted(p.name for p in records.glob("pretrain_data.tfrecord-*")):
        with tf.io.gfile.GFile(f"{out}/{name}", "rb") as handle:
            assert handle.read() == (records / name).read_bytes()
    remote_manifest, local_manifest = RecordsManifest.read(out), RecordsManifest.read(records)
    assert remote_manifest.examples == local_manifest.examples
    assert remote_manifest.vocab_sha256 == local_manifest.vocab_sha256
