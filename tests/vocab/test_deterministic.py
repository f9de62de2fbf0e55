"""The same corpus and options give a byte-identical vocab.txt, in one process and across
processes (the upstream trainer alone orders ids by a hash map); a finished vocabulary is
reused, one built from other inputs is kept, and the advice fits the cause."""

import subprocess
import sys
from pathlib import Path

import pytest

from vocab.alphabet import ALONE, REMOVED, SPACE, WORD, AlphabetScan
from vocab.build import main
from vocab.export import vocab_tokens
from vocab.train import CONTINUING_PREFIX, new_tokenizer, train_wordpiece

ROOT = Path(__file__).resolve().parents[2]
# Two ways the alphabet is cut: by the limit (ties among rare characters) and not at all.
SIZES = [("2000", "300"), ("3000", "10000")]


def build_args(corpus: Path, out: Path, size: str, alphabet: str) -> list[str]:
    return [
        *("--corpus", str(corpus), "--out", str(out)),
        *("--vocab-size", size, "--limit-alphabet", alphabet),
    ]


@pytest.mark.parametrize(("size", "alphabet"), SIZES)
def test_vocab_txt_is_byte_identical_across_processes(corpus_dir, tmp_path, size, alphabet):
    outputs = []
    for run in range(2):
        out = tmp_path / f"v{run}"
        argv = build_args(corpus_dir, out, size, alphabet)
        subprocess.run(
            [sys.executable, "-m", "vocab.build", *argv], cwd=ROOT, check=True, capture_output=True
        )
        outputs.append((out / "vocab.txt").read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) > 1000


def corpus_lines(corpus_dir: Path) -> list[str]:
    shards = sorted((corpus_dir / "text").glob("*.txt"))
    return [line for path in shards for line in path.read_text(encoding="utf-8").splitlines()]


def test_in_one_process_too(corpus_dir):
    lines = [line for line in corpus_lines(corpus_dir) if line]
    runs = [vocab_tokens(train_wordpiece(lambda: iter(lines), 2500, 400)) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


def test_the_upstream_trainer_alone_is_not_deterministic(corpus_dir):
    """Why the scan exists: if this starts to pass with one answer, the upstream fix landed
    (huggingface/tokenizers#1794) and the scan can go."""
    lines = [line for line in corpus_lines(corpus_dir) if line]
    answers = set()
    for _ in range(6):
        tokenizer = new_tokenizer()
        tokenizer.train_from_iterator(
            iter(lines), vocab_size=2500, limit_alphabet=400, show_progress=False
        )
        answers.add(tuple(vocab_tokens(tokenizer)))
    assert len(answers) > 1


def test_the_scan_sees_what_the_trainer_sees():
    scan = AlphabetScan(
        new_tokenizer()._tokenizer.normalizer,
        new_tokenizer()._tokenizer.pre_tokenizer,
        CONTINUING_PREFIX,
    )
    kinds = {c: scan.kind(c) for c in ("가", "😀", "ㅋ", "!", "·", "漢", "\u3000", "\u200b")}
    assert kinds == {
        "가": WORD,
        "😀": WORD,
        "ㅋ": WORD,
        "!": ALONE,
        "·": ALONE,
        "漢": ALONE,
        "\u3000": SPACE,
        "\u200b": REMOVED,
    }
    # A zero-width space is removed, so 나 follows 가 inside one word; 漢 stands alone.
    scan.add(["가\u200b나 다!라 漢마 ㅋㅋ"])
    assert scan.inner == {"나", "ㅋ"}
    assert scan.counts["ㅋ"] == 2 and scan.counts["!"] == 1 and "\u200b" not in scan.counts
    alphabet = scan.alphabet(limit=3)
    # ㅋ twice, then the lowest code points among the ties; kept in code point order
    assert alphabet.characters == ("!", "ㅋ", "漢")
    assert alphabet.continuing == ("##ㅋ",)


def test_a_finished_vocab_is_reused_and_other_inputs_are_refused(corpus_dir, tmp_path, capsys):
    out = tmp_path / "vocab"
    argv = build_args(corpus_dir, out, "2000", "300")
    assert main(argv) == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    capsys.readouterr()
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "already complete (reused)" in said and "--overwrite to train it again" in said
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps

    other = build_args(corpus_dir, out, "2100", "300")
    assert main(other) == 2
    err = capsys.readouterr().err.splitlines()[-1]  # after a note on the recipe's size
    assert err.startswith("error: ")
    assert "holds a vocabulary built from other inputs (vocab_size 2000 there, 2100 now)" in err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps
    assert main([*other, "--overwrite"]) == 0
    assert len((out / "vocab.txt").read_text(encoding="utf-8").splitlines()) > 2000


def test_a_missing_corpus_folder_says_to_build_it(tmp_path, capsys):
    assert main(["--corpus", str(tmp_path / "nowhere"), "--out", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err
    assert f"corpus folder {tmp_path / 'nowhere'} does not exist" in err
    assert "python -m corpus.build" in err and "--vocab-size" not in err
