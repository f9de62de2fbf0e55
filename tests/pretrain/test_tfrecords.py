import random

import numpy as np
import pytest
import tensorflow as tf
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

from pretrain.example_proto import ExampleEncoder
from pretrain.packing import ExampleBuilder
from pretrain.records_writer import load_tokenizer
from pretrain.schema import RecordsError, check_max_seq_length, feature_spec
from pretrain.tfrecords import main

L = 64


@pytest.fixture(scope="module")
def vocab_file(vocab_dir):
    return vocab_dir / "vocab.txt"


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


def test_manifest_and_a_clear_error_for_another_length(records):
    manifest = check_max_seq_length(records, L)
    examples = parse(records)
    assert manifest["examples"] == len(examples)
    assert manifest["tokens"] == sum(int(e["input_mask"].sum()) for e in examples)
    two = sum(1 for e in examples if e["segment_ids"].any())
    assert manifest["two_segment_share"] == pytest.approx(two / len(examples))
    assert len(manifest["vocab_sha256"]) == 64
    with pytest.raises(RecordsError, match="max_seq_length 64, but 128 was asked"):
        check_max_seq_length(records, 128)


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


def test_encoder_bytes_equal_tensorflow_serialisation():
    rng = random.Random(0)
    builder = ExampleBuilder(32, 2, 3, rng)
    encoder = ExampleEncoder(130_000, 32)
    for _ in range(50):
        example = builder.add_sentence(
            [rng.randrange(5, 130_000) for _ in range(rng.randrange(1, 40))]
        )
        if example is None:
            continue
        proto = tf.train.Example(
            features=tf.train.Features(
                feature={
                    name: tf.train.Feature(
                        int64_list=tf.train.Int64List(value=getattr(example, name))
                    )
                    for name in ("input_ids", "input_mask", "segment_ids")
                }
            )
        )
        assert encoder.encode(example) == proto.SerializeToString(deterministic=True)


ADVERSARIAL = [
    "Hello WORLD café 漢字 ㅋㅋ 😀",
    "x" * 150 + " 단어",
    "a\x1fb  c",
    "漢字a字 b",
    "탭\t구분\u3000공백",
    '문장.끝!물음?  (괄호)"따옴표"',
    " 앞뒤 공백 ",
    "\u200b폭 없는 공백",
    "a\u00a0b",
    "ﬁ ligature",
]


def test_tokenizer_ids_equal_bert_full_tokenizer_cased(vocab_file, corpus_dir):
    ours = load_tokenizer(str(vocab_file), False)
    # BERT's FullTokenizer(do_lower_case=False), as ported to Python by transformers
    bert = BertTokenizerLegacy(str(vocab_file), do_lower_case=False)
    lines = [
        line
        for p in sorted((corpus_dir / "text").glob("*.txt"))
        for line in p.read_text(encoding="utf-8").splitlines()
        if line
    ][:500]
    lines += ADVERSARIAL
    whole_line = ours.tokenizer._tokenizer.encode_batch(lines, add_special_tokens=False)
    for line, ids, reference in zip(lines, ours.encode_lines(lines), whole_line, strict=True):
        assert ids == reference.ids, line  # the chunk cache changes nothing
        assert ids == bert.convert_tokens_to_ids(bert.tokenize(line)), line
    assert ours.encode_lines(lines) == [r.ids for r in whole_line]  # from the warm cache too


def test_packing_rules_statistics():
    rng = random.Random(42)
    builder = ExampleBuilder(128, 2, 3, rng)
    examples = []
    while len(examples) < 20_000:  # one long document of 10-token sentences
        example = builder.add_sentence([7] * 10)
        if example:
            examples.append(example)
    two = sum(e.two_segments for e in examples) / len(examples)
    assert 0.88 < two < 0.92  # 10% single-segment examples
    short = sum(e.tokens < 118 for e in examples) / len(examples)
    assert 0.03 < short < 0.06  # 5% of targets drawn from randint(5, 128)
    full = [e for e in examples if e.two_segments and e.tokens >= 128]
    a_lengths = [e.segment_ids.index(1) - 2 for e in full]  # tokens of A
    assert min(a_lengths) >= 60 - 10 and max(a_lengths) <= 62 + 10  # A targets (128 - 3) // 2


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


def test_lines_are_read_whole_across_read_chunks(tmp_path):
    from pretrain.records_writer import _line_batches

    path = tmp_path / "shard.txt"
    lines = [f"{i}번째 문장입니다 가나다" for i in range(3000)] + ["", "끝"]
    path.write_text("\n".join(lines), encoding="utf-8")
    read = [line for batch in _line_batches(str(path), chunk_bytes=1001) for line in batch]
    assert read == lines


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
    assert "other settings" in capsys.readouterr().err
