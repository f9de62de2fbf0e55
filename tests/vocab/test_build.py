import json

import pytest
from transformers import ElectraTokenizer, ElectraTokenizerFast
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

from vocab.build import main
from vocab.schema import SPECIAL_TOKENS, VocabError, VocabManifest, read_vocab

SAMPLE = "이 영화 진짜 재밌어요ㅋㅋ 배우들 연기도 최고!"


def test_vocab_file_is_bert_format_with_pad_first(vocab_dir):
    tokens = read_vocab(vocab_dir / "vocab.txt")
    assert tokens[: len(SPECIAL_TOKENS)] == list(SPECIAL_TOKENS)
    assert tokens[5:8] == ["[unused0]", "[unused1]", "[unused2]"]
    assert 2500 <= len(tokens) <= 3000
    assert any(t.startswith("##") for t in tokens)


@pytest.mark.parametrize("cls", [ElectraTokenizer, ElectraTokenizerFast])
def test_transformers_loads_it_cased_without_unk(vocab_dir, cls):
    tokenizer = cls.from_pretrained(str(vocab_dir))
    ids = tokenizer(SAMPLE)["input_ids"]
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    assert "[UNK]" not in tokens  # lowercasing (NFD) would have turned Hangul into [UNK]
    assert tokenizer.decode(ids, skip_special_tokens=True).replace(" ", "") == SAMPLE.replace(
        " ", ""
    )
    assert tokenizer.pad_token_id == 0


def test_pure_python_and_rust_tokenizers_agree(vocab_dir, corpus_dir):
    # transformers 5's ElectraTokenizer is the Rust one; the legacy class is BERT's Python code.
    slow = BertTokenizerLegacy.from_pretrained(str(vocab_dir))
    fast = ElectraTokenizerFast.from_pretrained(str(vocab_dir))
    lines = [
        line
        for p in sorted((corpus_dir / "text").glob("*.txt"))
        for line in p.read_text(encoding="utf-8").splitlines()
        if line
    ][:300]
    for line in lines:
        assert slow(line)["input_ids"] == fast(line)["input_ids"], line


def test_report_measures_heldout_text(vocab_dir):
    report = json.loads((vocab_dir / "report.json").read_text())
    assert report["heldout_sentences"] > 10
    assert 0 <= report["unk_rate"] < 0.05
    assert report["tokens_per_sentence"] > 1 and report["characters_per_token"] > 1
    assert 0 < report["single_character_token_share"] < 1
    assert report["vocab_size"] == len(read_vocab(vocab_dir / "vocab.txt"))


def test_external_vocab_is_validated(tmp_path, corpus_dir, vocab_dir):
    good = vocab_dir / "vocab.txt"
    out = tmp_path / "imported"
    assert (
        main(["--corpus", str(corpus_dir), "--out", str(out), "--external-vocab", str(good)]) == 0
    )
    assert (out / "vocab.txt").read_text() == good.read_text()

    bad = tmp_path / "bad.txt"
    bad.write_text("[UNK]\n[PAD]\n[CLS]\n가\n가\n")
    with pytest.raises(VocabError) as err:
        read_vocab(bad)
    message = str(err.value)
    assert "duplicate" in message and "[SEP]" in message and "[PAD] must have id 0" in message
    assert (
        main(
            [
                "--corpus",
                str(corpus_dir),
                "--out",
                str(tmp_path / "x"),
                "--external-vocab",
                str(bad),
            ]
        )
        == 2
    )


def test_recipe_sets_the_size_and_model5_needs_an_external_vocab(tmp_path, corpus_dir, capsys):
    assert main(["--corpus", str(corpus_dir), "--out", str(tmp_path), "--recipe", "model5"]) == 2
    assert "--external-vocab" in capsys.readouterr().err
    assert (
        main(["--corpus", str(tmp_path / "empty"), "--out", str(tmp_path), "--vocab-size", "100"])
        == 2
    )


def error_of(capsys, argv) -> str:
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and err[-1].startswith("error: "), err
    return err[-1]


def test_empty_corpus_is_an_error_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "corpus" / "text").mkdir(parents=True)
    (tmp_path / "corpus" / "text" / "shard-00000.txt").write_text("\n\n", encoding="utf-8")
    out = tmp_path / "vocab"
    argv = ["--corpus", str(tmp_path / "corpus"), "--out", str(out), "--vocab-size", "100"]
    assert "has no training sentences" in error_of(capsys, argv)
    assert not out.exists()


def test_vocab_size_below_specials_and_alphabet(tmp_path, capsys, fixtures_root):
    corpus = str(fixtures_root / "kcbert")
    out = tmp_path / "vocab"
    message = error_of(capsys, ["--corpus", corpus, "--out", str(out), "--vocab-size", "5"])
    assert "leaves no room after the 5 special tokens" in message
    message = error_of(capsys, ["--corpus", corpus, "--out", str(out), "--vocab-size", "50"])
    assert "--vocab-size 50 is below the 5 special and unused tokens plus the corpus alphabet" in (
        message
    )
    assert not out.exists()
    for flag in ("--vocab-size", "--limit-alphabet", "--unused", "--heldout-per-mille"):
        assert f"argument {flag}: must be" in error_of(
            capsys, ["--corpus", corpus, "--out", str(out), flag, "-1"]
        )


def corpus_copy(corpus_dir, folder, **manifest_changes):
    """The fixture corpus with its manifest changed as a user's other recipe would have it."""
    import shutil

    shutil.copytree(corpus_dir / "text", folder / "text")
    raw = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**raw, **manifest_changes}))
    return folder


def test_the_vocab_size_is_the_corpus_recipes_from_its_manifest(corpus_dir, tmp_path, capsys):
    corpus = corpus_copy(corpus_dir, tmp_path / "corpus", vocab_size=2777)
    out = tmp_path / "vocab"
    argv = ["--corpus", str(corpus), "--out", str(out), "--limit-alphabet", "1500"]
    assert main(argv) == 0
    report = VocabManifest.read(out)
    assert report.requested_vocab_size == 2777 and report.vocab_size <= 2777
    assert len(read_vocab(out / "vocab.txt")) == report.vocab_size > 2100
    assert (report.corpus, report.corpus_recipe) == (str(corpus), "fixture")
    assert "deprecated" not in capsys.readouterr().err


def test_a_too_small_size_from_the_manifest_names_the_recipe_not_a_flag(
    corpus_dir, tmp_path, capsys
):
    corpus = corpus_copy(corpus_dir, tmp_path / "corpus", vocab_size=50)
    message = error_of(capsys, ["--corpus", str(corpus), "--out", str(tmp_path / "v")])
    assert "the vocab size 50 (recipe fixture, from the corpus manifest) is below the 5" in message
    assert "--vocab-size 50" not in message


def test_what_the_corpus_manifest_cannot_tell_is_a_clear_error(corpus_dir, tmp_path, capsys):
    external = corpus_copy(
        corpus_dir, tmp_path / "m5", recipe="model5", recipe_definition={"external_vocab": True}
    )
    argv = ["--out", str(tmp_path / "v")]
    assert "recipe model5 uses an external vocab" in error_of(
        capsys, ["--corpus", str(external), *argv]
    )
    newer = corpus_copy(corpus_dir, tmp_path / "newer", version=2)
    assert "newer than the version 1" in error_of(capsys, ["--corpus", str(newer), *argv])
    bare = tmp_path / "bare"
    (bare / "text").mkdir(parents=True)
    (bare / "text" / "a.txt").write_text("문장 하나\n", encoding="utf-8")
    message = error_of(capsys, ["--corpus", str(bare), *argv])
    assert "has no corpus manifest.json to take the vocab size from: give --vocab-size" in message


def test_recipe_flags_say_they_are_deprecated(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--recipe RECIPE deprecated (the corpus manifest records its recipe)" in text
    assert "--recipes RECIPES deprecated, with --recipe" in text


def test_sample_bytes_trains_on_a_seeded_sample(tmp_path, corpus_dir, capsys):
    size = sum(p.stat().st_size for p in (corpus_dir / "text").glob("*.txt"))
    common = ["--corpus", str(corpus_dir), "--vocab-size", "2600", "--limit-alphabet", "3000"]
    sample = [*common, "--sample-bytes", str(size // 4)]
    assert main([*sample, "--out", str(tmp_path / "a")]) == 0
    assert "seeded sample of 25" in capsys.readouterr().err
    assert main([*sample, "--out", str(tmp_path / "b")]) == 0
    assert main([*sample, "--sample-seed", "1", "--out", str(tmp_path / "c")]) == 0
    assert main([*common, "--out", str(tmp_path / "full")]) == 0
    vocab = {name: (tmp_path / name / "vocab.txt").read_text() for name in ("a", "b", "c", "full")}
    assert vocab["a"] == vocab["b"] != vocab["c"]
    assert vocab["a"] != vocab["full"]
    reports = {name: VocabManifest.read(tmp_path / name) for name in ("a", "full")}
    assert reports["a"].build_options["sample_bytes"] == size // 4
    # the same held-out sentences measure both; a quarter of the text leaves more [UNK]
    assert reports["a"].heldout_sentences == reports["full"].heldout_sentences
    assert reports["a"].unk_rate >= reports["full"].unk_rate


@pytest.mark.parametrize("size", ["0", "-5M", "2X", "lots"])
def test_a_bad_sample_size_is_a_usage_error(tmp_path, corpus_dir, size, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--corpus", str(corpus_dir), "--out", str(tmp_path), f"--sample-bytes={size}"])
    assert exit_info.value.code == 2
    assert "expected a size such as 2G" in capsys.readouterr().err
