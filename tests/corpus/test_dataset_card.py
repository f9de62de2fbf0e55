"""The dataset card (OUT/RECIPE/README.md) of a real corpus: Hugging Face's `datasets` loads
the shards through its header, and the header and body say what the manifest says."""

import shlex
from pathlib import Path

import pytest
import yaml

from corpus.build import parse_args
from corpus.dataset_card import build_command, dataset_card, hub_license, size_category
from corpus.pipeline import BuildOptions, build_corpus
from corpus.recipes import Recipe
from corpus.sources import SourceError, load_licenses, load_locations, resolve_files

# conftest's corpus_dir: these sources of tests/fixtures (tests/fixtures/LICENSES.md)
SOURCES = ("kcbert", "nsmc", "wiki", "kcc", "reviews")
LICENSES_TOML = """[licenses]
kcbert = "CC-BY-SA-4.0"
wiki = "CC-BY-2.5"
kcc = "CC-BY-SA-3.0-IGO AND CC BY (version not stated)"
reviews = "CC0-1.0"
"""


@pytest.fixture(scope="module")
def card(corpus_dir, fixtures_root, tmp_path_factory):
    """(corpus folder, manifest, licences, card) after building conftest's corpus again with
    the licences of a sources file: the finished build is reused and its card rewritten."""
    fresh = header(corpus_dir / "README.md")  # written by the build itself
    assert fresh["license_details"] == {s: "CC0-1.0" if s == "nsmc" else "unknown" for s in SOURCES}
    toml = tmp_path_factory.mktemp("sources") / "sources.toml"
    toml.write_text(LICENSES_TOML, encoding="utf-8")
    licenses = load_licenses(toml, SOURCES)
    files = resolve_files(
        "t", SOURCES, load_locations(None, [f"{s}={fixtures_root / s}" for s in SOURCES])
    )
    manifest = build_corpus(
        Recipe("fixture", SOURCES, 2000),
        files,
        corpus_dir.parent,
        BuildOptions(workers=1, progress=False, shard_mb=0.05),  # conftest's options
        licenses,
    )
    assert manifest.pop("reused") is True
    return corpus_dir, manifest, licenses, (corpus_dir / "README.md").read_text(encoding="utf-8")


def header(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))


def table(card: str, heading: str) -> list[list[str]]:
    """The rows (cells) of the first table under `## heading`."""
    section = card.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_datasets_loads_one_row_per_document(card, tmp_path, monkeypatch):
    out_dir, manifest, _, _ = card
    for name, folder in (("HF_HOME", "home"), ("HF_DATASETS_CACHE", "cache")):
        monkeypatch.setenv(name, str(tmp_path / folder))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    import datasets  # a dev dependency; imported once its environment is set

    loaded = datasets.load_dataset(str(out_dir), cache_dir=str(tmp_path / "cache"))
    assert list(loaded) == ["train"]  # only the Parquet shards: not text/, excluded/, ...
    train = loaded["train"]
    assert train.column_names == ["source", "doc_id", "sentences"]
    assert train.num_rows == manifest["totals"]["docs"] > 800
    assert sum(len(s) for s in train["sentences"]) == manifest["totals"]["sentences"]


def test_header_language_licences_and_size(card):
    out_dir, manifest, licenses, _ = card
    meta = header(out_dir / "README.md")
    assert meta["language"] == ["ko"]
    assert (
        meta["license_details"]
        == licenses
        == {
            "kcbert": "CC-BY-SA-4.0",
            "nsmc": "CC0-1.0",  # not in the file: the registry's
            "wiki": "CC-BY-2.5",
            "kcc": "CC-BY-SA-3.0-IGO AND CC BY (version not stated)",
            "reviews": "CC0-1.0",
        }
    )
    assert meta["license"] == ["cc-by-sa-4.0", "cc0-1.0", "cc-by-2.5", "other"]
    docs = manifest["totals"]["docs"]
    assert 100 <= docs < 1000 and meta["size_categories"] == ["n<1K"]
    assert "fill-mask" in meta["task_categories"]
    assert meta["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "parquet/*.parquet"}]}
    ]
    assert "fixture" in meta["pretty_name"]


def test_body_counts_are_the_manifests(card):
    _, manifest, licenses, text = card
    sources = {row[0]: row for row in table(text, "Sources")}
    assert list(sources) == list(SOURCES)
    for name, s in manifest["sources"].items():
        _, licence, files, docs_in, docs_out, sentences, size, drops = sources[name]
        assert licence == licenses[name]
        assert [files, docs_in, docs_out, sentences, size] == [
            f"{n:,}"
            for n in (len(s["files_read"]), s["docs_in"], s["docs_out"], s["sentences"], s["bytes"])
        ]
        assert drops == (", ".join(f"{r} {n:,}" for r, n in s["drops"].items()) or "none")
    steps = {row[0]: row for row in table(text, "Processing, step by step")}
    exclusions = manifest["exclusions"]
    dropped = {s: n for s, n in exclusions["dropped_per_step"].items() if n}
    assert {"clean", "quality", "exact_dedup", "near_dedup"} <= set(dropped)
    for step, n in dropped.items():
        reasons = exclusions["dropped_per_step_reason"][step]
        assert sum(reasons.values()) == n
        assert steps[step][2:] == [f"{n:,}", ", ".join(f"{r} {k:,}" for r, k in reasons.items())]
    # the readers' rejects (two empty NSMC documents) are a row of their own
    assert steps["read"][2:] == ["2", "empty_document 2"]
    assert "## Decontamination" in text and "`ratings_test.txt:document`" in text
    assert "The `clean` step removes" in text and "kosent_common/pii.py" in text


def test_the_command_line_is_the_build_options(card):
    _, manifest, _, text = card
    command = build_command(manifest)
    assert f"```sh\n{command}\n```" in text
    argv = shlex.split(command.replace("\\\n", " "))
    assert argv[:3] == ["python", "-m", "corpus.build"]
    args = parse_args(argv[3:])
    o = manifest["options"]
    assert (args.recipe, args.seed, args.splitter) == ("fixture", o["seed"], o["splitter"])
    assert (args.shard_mb, args.task_mb, args.exclusions) == (
        o["shard_mb"],
        o["task_mb"],
        o["exclusions"],
    )
    assert args.min_chars == o["cleaning"]["min_chars"]
    assert (args.emoji, args.hanja) == ("keep", "keep")
    assert not (args.no_near_dup or args.no_quality or args.no_decontaminate)
    assert args.near_dup_threshold == o["near_dup"]["threshold"]
    assert args.decontaminate_ngram == o["decontaminate_ngram"]


def test_yaml_quoting_and_switched_off_steps(card):
    _, manifest, _, _ = card
    odd = {
        **manifest,
        "recipe": 'a: "b" #c\u2028',
        "options": {**manifest["options"], "quality": False, "decontaminate_nsmc_test": False},
        "decontamination": None,
        "near_duplicates": {**manifest["near_duplicates"], "enabled": False},
        "recipe_definition": {**manifest["recipe_definition"], "steps": ["quality"]},
    }
    text = dataset_card(odd, {"kcbert": "MIT: or: not"})
    meta = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
    assert meta["pretty_name"] == 'kosent corpus a: "b" #c\u2028'
    assert meta["license_details"]["kcbert"] == "MIT: or: not"
    assert meta["license_details"]["nsmc"] == "unknown"
    assert "no PII is removed" in text and "--no-decontaminate" in text
    assert "--no-near-dup" in text and "--no-quality" in text


def test_size_categories_and_hub_licences():
    assert [size_category(n) for n in (0, 999, 1000, 99_999, 10**6, 10**12)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "10K<n<100K",
        "1M<n<10M",
        "n>1T",
    ]
    assert [hub_license(x) for x in ("CC0-1.0", "unknown", "CC BY (2.0 KR)", "MIT")] == [
        "cc0-1.0",
        "unknown",
        "other",
        "mit",
    ]


def test_licences_of_unknown_sources_are_an_error(tmp_path):
    toml = tmp_path / "sources.toml"
    toml.write_text('[sources]\n[licenses]\nkcbbert = "MIT"\n', encoding="utf-8")
    with pytest.raises(SourceError, match="unknown sources"):
        load_licenses(toml, ("kcbert",))
    toml.write_text("[licenses]\nkcbert = 3\n", encoding="utf-8")
    with pytest.raises(SourceError, match="licence names"):
        load_licenses(toml, ("kcbert",))
    assert load_licenses(None, ("nsmc", "text")) == {"nsmc": "CC0-1.0", "text": "unknown"}
