import json
from pathlib import Path

import polars as pl
import pytest

from corpus.cleaning import CleaningConfig
from corpus.exclusions import ExclusionPolicy
from corpus.neardup import NearDupConfig
from corpus.pipeline import BuildError, BuildOptions, build_corpus
from corpus.recipes import Recipe
from corpus.schema import SOURCE_NAMES
from corpus.sources import get_source, load_locations, resolve_files
from corpus.steps import STEPS, Step, reason_where, split_by_reason

ALL = SOURCE_NAMES


def fixture_files(fixtures: Path, sources=ALL) -> dict:
    overrides = [f"{s}={fixtures / get_source(s).data_folder}" for s in sources]
    return resolve_files("test", sources, load_locations(None, overrides))


def build(tmp_path, fixtures, name="out", sources=ALL, files=None, **options):
    recipe = Recipe(name="test", sources=sources, vocab_size=8000)
    options = BuildOptions(**{"progress": False, "workers": 1, "shard_mb": 0.05, **options})
    manifest = build_corpus(
        recipe, files or fixture_files(fixtures, sources), tmp_path / name, options
    )
    return manifest, tmp_path / name / "test"


def read_outputs(out_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out_dir)): p.read_bytes()
        for p in sorted(out_dir.rglob("*"))
        if p.is_file() and "report" not in p.parts and p.name != "build.json"
    }


def test_every_document_is_accounted_for(tmp_path, fixtures):
    manifest, out_dir = build(tmp_path, fixtures)
    for source, s in manifest["sources"].items():
        assert s["docs_in"] > 0, source
        reader_drops = s["drops"].get("empty_document", 0)
        assert s["docs_in"] - (sum(s["drops"].values()) - reader_drops) == s["docs_out"], source
    # every document of the text shards is in the parquet shards and counted in the manifest
    documents = [
        d
        for p in sorted((out_dir / "text").glob("*.txt"))
        for d in p.read_text(encoding="utf-8").split("\n\n")
        if d.strip()
    ]
    assert len(documents) == manifest["totals"]["docs"] > 800
    assert sum(len(d.strip("\n").split("\n")) for d in documents) == manifest["totals"]["sentences"]
    assert "" not in [line for d in documents for line in d.strip("\n").split("\n")]
    assert manifest["totals"]["shards"] == len(list((out_dir / "text").glob("*.txt"))) > 3
    rejects = [json.loads(line) for line in (out_dir / "rejects" / "rejects.jsonl").open()]
    assert [r["reason"] for r in rejects] == ["empty_document", "empty_document"]


def test_nsmc_test_split_is_kept_out_unless_asked(tmp_path, fixtures):
    manifest, out_dir = build(tmp_path, fixtures, sources=("nsmc",))
    nsmc = manifest["sources"]["nsmc"]
    assert [Path(f).name for f in nsmc["files_read"]] == ["ratings_train.txt"]
    assert list(map(lambda f: Path(f).name, nsmc["files_skipped"])) == ["ratings_test.txt"]
    assert manifest["nsmc_test_in_pretraining"] is False and manifest["notes"] == []
    test_ids = {
        line.split("\t")[0]
        for line in (fixtures / "nsmc" / "ratings_test.txt").read_text().splitlines()[1:]
    }
    import pyarrow.parquet as pq

    ids = {
        i
        for p in (out_dir / "parquet").glob("*.parquet")
        for i in pq.read_table(p).column("doc_id").to_pylist()
    }
    assert not ids & test_ids

    with_test, _ = build(
        tmp_path, fixtures, name="with_test", sources=("nsmc",), include_nsmc_test=True
    )
    assert with_test["nsmc_test_in_pretraining"] is True
    assert "contaminated" in with_test["notes"][0]
    assert with_test["sources"]["nsmc"]["docs_in"] == nsmc["docs_in"] + len(test_ids)


def test_same_bytes_whatever_the_workers(tmp_path, fixtures):
    """Many small tasks (line ranges included) on 1, 2 and 3 workers: byte-identical."""
    sources = ("nsmc", "kcbert", "wiki", "text_blocks")
    tiny = {"seed": 3, "task_mb": 0.004}
    _, one = build(tmp_path, fixtures, name="one", sources=sources, **tiny)
    _, two = build(tmp_path, fixtures, name="two", sources=sources, workers=2, **tiny)
    _, three = build(tmp_path, fixtures, name="three", sources=sources, workers=3, **tiny)
    assert len(list((one / "state").glob("task-*.json"))) >= 8
    assert read_outputs(one) == read_outputs(two) == read_outputs(three)


def test_the_documents_kept_do_not_depend_on_how_the_input_is_cut(tmp_path, fixtures):
    many, small = build(tmp_path, fixtures, name="many", task_mb=0.004)
    few, large = build(tmp_path, fixtures, name="few")
    assert many["tasks"]["documents"] > few["tasks"]["documents"]
    assert pl.read_parquet(small / "parquet").equals(pl.read_parquet(large / "parquet"))
    assert many["sources"] == few["sources"]


def test_the_first_copy_in_recipe_order_survives_exact_dedup(tmp_path, fixtures):
    folder = tmp_path / "in"
    folder.mkdir()
    copy = "이 집 국밥은 진짜 맛있어요 또 올게요"
    (folder / "a.txt").write_text(f"첫 파일의 댓글이에요 반가워요\n{copy}\n", encoding="utf-8")
    (folder / "b.txt").write_text(f"{copy.replace(' ', '')}\n{copy}\n", encoding="utf-8")
    (folder / "c.txt").write_text(f"다른 댓글도 있어요 정말로요\n{copy}  \n", encoding="utf-8")
    files = {"kcbert": [folder / "a.txt", folder / "b.txt", folder / "c.txt"]}
    # one task per line: every copy is in another task than the document it duplicates
    manifest, out = build(tmp_path, fixtures, sources=("kcbert",), files=files, task_mb=1e-6)
    assert manifest["tasks"]["documents"] == 6
    kept = pl.read_parquet(out / "parquet")
    assert kept.filter(pl.col("sentences").list.join(" ") == copy)["doc_id"].to_list() == [
        "a.txt:2"
    ]
    excluded = pl.read_parquet(out / "excluded" / "exact_dedup")
    assert excluded["doc_id"].to_list() == ["b.txt:1", "b.txt:2", "c.txt:2"]
    assert set(excluded["reason"]) == {"duplicate"}
    assert manifest["sources"]["kcbert"]["drops"]["duplicate"] == 3


class NoQuestions(Step):
    """A filter a user adds: one class and one registry line."""

    name = "no_questions"

    def apply(self, frame):
        return split_by_reason(frame, reason_where(frame["text"].str.contains(r"\?"), "question"))


def test_a_new_step_is_one_class_and_one_registry_line(tmp_path, fixtures, monkeypatch):
    monkeypatch.setitem(STEPS, NoQuestions.name, NoQuestions)
    recipe = Recipe(
        name="test", sources=("nsmc",), vocab_size=8000, steps=("clean", "no_questions")
    )
    files = fixture_files(fixtures, ("nsmc",))
    options = BuildOptions(progress=False, workers=1)
    manifest = build_corpus(recipe, files, tmp_path / "out", options)
    excluded = pl.read_parquet(tmp_path / "out" / "test" / "excluded" / "no_questions")
    assert excluded.height == manifest["sources"]["nsmc"]["drops"]["question"] > 0
    assert excluded["text"].str.contains(r"\?").all()
    assert manifest["exclusions"]["dropped_per_step"]["no_questions"] == excluded.height
    kept = pl.read_parquet(tmp_path / "out" / "test" / "parquet")
    assert not kept["sentences"].list.join(" ").str.contains(r"\?").any()

    unknown = Recipe(name="bad", sources=("nsmc",), vocab_size=8000, steps=("no_such_step",))
    with pytest.raises(BuildError, match="unknown step 'no_such_step'"):
        build_corpus(unknown, files, tmp_path / "out", options)


def test_exclusions_can_be_sampled_or_left_out(tmp_path, fixtures):
    sources = ("nsmc", "text_blocks")
    manifest, whole = build(tmp_path, fixtures, name="all", sources=sources)
    steps = manifest["exclusions"]["dropped_per_step"]
    assert steps["clean"] > 1 and steps["near_dedup"] > 1
    assert pl.read_parquet(whole / "excluded" / "clean").height == steps["clean"]
    assert pl.read_parquet(whole / "excluded" / "near_dedup").height == steps["near_dedup"]
    sampled, some = build(
        tmp_path,
        fixtures,
        name="some",
        sources=sources,
        exclusions=ExclusionPolicy.parse("sample:1"),
    )
    for step in ("clean", "near_dedup"):
        assert pl.read_parquet(some / "excluded" / step).height == 1
    assert sampled["sources"] == manifest["sources"]
    _, none = build(
        tmp_path, fixtures, name="none", sources=sources, exclusions=ExclusionPolicy.parse("none")
    )
    assert not (none / "excluded").exists()
    with pytest.raises(ValueError, match="sample:N"):
        ExclusionPolicy.parse("sample:0")


def test_bad_inputs_are_rejected_and_the_build_goes_on(tmp_path, fixtures):
    bad = tmp_path / "bad"
    (bad / "kcbert").mkdir(parents=True)
    (bad / "kcbert" / "comments.txt").write_bytes(
        "정상 댓글입니다\n".encode()
        + b"\xc3\x28 invalid\n"
        + "널\x00문자\n".encode()
        + b"x" * (50 << 20)
        + b"\n"
        + "끝 댓글입니다\n".encode()
    )
    (bad / "reviews").mkdir()
    good = (fixtures / "reviews" / "part-fixture-0.parquet").read_bytes()
    (bad / "reviews" / "part-cut.parquet").write_bytes(good[:1000])
    (bad / "modu").mkdir()
    (bad / "modu" / "SARW0000000009.json").write_text('{"id": "x", "document": [{"id"')
    files = resolve_files(
        "t",
        ("kcbert", "reviews", "modu_spoken"),
        load_locations(
            None,
            [
                f"kcbert={bad / 'kcbert'}",
                f"reviews={bad / 'reviews'}",
                f"modu_spoken={bad / 'modu'}",
            ],
        ),
    )
    manifest, out_dir = build(
        tmp_path, fixtures, sources=("kcbert", "reviews", "modu_spoken"), files=files
    )
    rejects = [json.loads(line) for line in (out_dir / "rejects" / "rejects.jsonl").open()]
    assert [r["reason"] for r in rejects] == [
        "invalid_encoding",
        "nul_byte",
        "line_too_long",
        "unreadable_parquet",
        "malformed_json",
    ]
    assert manifest["sources"]["kcbert"]["docs_out"] == 2
    assert manifest["sources"]["kcbert"]["drops"] == {
        "invalid_encoding": 1,
        "line_too_long": 1,
        "nul_byte": 1,
    }


def test_changed_options_do_not_mix_into_an_old_build(tmp_path, fixtures):
    build(tmp_path, fixtures, sources=("nsmc",))
    with pytest.raises(BuildError, match="--overwrite"):
        build(tmp_path, fixtures, sources=("nsmc",), cleaning=CleaningConfig(min_chars=10))
    manifest, _ = build(
        tmp_path, fixtures, sources=("nsmc",), overwrite=True, cleaning=CleaningConfig(min_chars=10)
    )
    assert manifest["options"]["cleaning"]["min_chars"] == 10


def test_a_file_that_cannot_be_read_is_rejected_and_the_build_goes_on(tmp_path, fixtures):
    folder = tmp_path / "kcbert"
    folder.mkdir()
    (folder / "a.txt").write_text("첫 번째 파일의 댓글입니다\n", encoding="utf-8")
    (folder / "b.txt").write_text("두 번째 파일의 댓글입니다\n", encoding="utf-8")
    files = resolve_files("t", ("kcbert",), load_locations(None, [f"kcbert={folder}"]))
    (folder / "a.txt").unlink()  # moved away after the build started
    manifest, out_dir = build(tmp_path, fixtures, sources=("kcbert",), files=files)
    rejects = [json.loads(line) for line in (out_dir / "rejects" / "rejects.jsonl").open()]
    assert [(r["reason"], Path(r["path"]).name) for r in rejects] == [("unreadable_file", "a.txt")]
    assert manifest["sources"]["kcbert"]["docs_out"] == 1


def test_near_duplicates_across_sources_keep_the_earlier_source(tmp_path, fixtures):
    reviews = [
        line.split("\t")[1]
        for line in (fixtures / "nsmc" / "ratings_train.txt").read_text().splitlines()[1:]
        if line.count("\t") == 2 and len(line.split("\t")[1]) >= 30
    ][:20]
    folder = tmp_path / "kcbert"
    folder.mkdir()
    planted = [f"ㅋㅋ {r} ㅠㅠ" for r in reviews] + ["완전히 새로운 댓글 하나를 여기에 적어 봅니다"]
    (folder / "comments.txt").write_text("\n".join(planted) + "\n", encoding="utf-8")
    nsmc = tmp_path / "nsmc" / "ratings_train.txt"
    nsmc.parent.mkdir()
    nsmc.write_text(
        "id\tdocument\tlabel\n" + "".join(f"{i}\t{r}\t1\n" for i, r in enumerate(reviews))
    )
    files = {"nsmc": [nsmc], "kcbert": [folder / "comments.txt"]}
    manifest, _ = build(
        tmp_path, fixtures, sources=("nsmc", "kcbert"), files=files, splitter="kss-fast"
    )
    kcbert = manifest["sources"]["kcbert"]
    assert kcbert["drops"]["near_duplicate"] == len(reviews) and kcbert["docs_out"] == 1
    assert "near_duplicate" not in manifest["sources"]["nsmc"]["drops"]
    sample = manifest["near_duplicates"]["sample"]
    assert len(sample) == len(reviews)
    assert {(p["dropped"]["source"], p["kept"]["source"]) for p in sample} == {("kcbert", "nsmc")}
    assert all(p["kept"]["text"] != "(not in shards)" for p in sample)

    off, _ = build(
        tmp_path,
        fixtures,
        name="off",
        sources=("nsmc", "kcbert"),
        files=files,
        near_dup=NearDupConfig(enabled=False),
        quality=False,
        decontaminate_nsmc_test=False,
        splitter="kss-fast",
    )
    assert off["sources"]["kcbert"]["docs_out"] == len(planted)
    assert off["decontamination"] is None and off["near_duplicates"]["sample"] == []


def test_library_default_splitter_is_the_command_line_default():
    from corpus.split import DEFAULT_SPLITTER

    assert BuildOptions().splitter == DEFAULT_SPLITTER == "kss-fast"


def test_a_finished_build_is_reused_not_recomputed(tmp_path, fixtures, monkeypatch):
    sources = ("nsmc", "kcbert")
    first, out = build(tmp_path, fixtures, sources=sources)
    before = read_outputs(out)

    def must_not_run(job):
        raise AssertionError("a finished build ran its documents stage again")

    monkeypatch.setattr("corpus.pipeline.run_document_task", must_not_run)
    again, _ = build(tmp_path, fixtures, sources=sources)
    assert again.pop("reused") is True
    assert again == first and read_outputs(out) == before
    (out / "text" / f"{first['shards'][0]['name']}.txt").unlink()  # a lost shard: rebuilt
    monkeypatch.undo()
    rebuilt, _ = build(tmp_path, fixtures, sources=sources)
    assert rebuilt == first and read_outputs(out) == before
