"""The dataset card of a corpus build (`OUT/RECIPE/README.md`), in Hugging Face's format: a
YAML header (language, licences, size, tasks, and the `configs` entry with which
`datasets.load_dataset("OUT/RECIPE")` loads the Parquet shards and nothing else) and a body
written from the manifest: sources, every step's drops by reason, deduplication,
decontamination, the PII policy, and the command that builds it again."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from pathlib import PurePath

import yaml

from corpus.cleaning import CleaningConfig
from corpus.neardup import NearDupConfig

# Hugging Face's `size_categories` buckets below n>1T, each up to the next power of ten.
SIZE_CATEGORIES = (
    "n<1K",
    "1K<n<10K",
    "10K<n<100K",
    "100K<n<1M",
    "1M<n<10M",
    "10M<n<100M",
    "100M<n<1B",
    "1B<n<10B",
    "10B<n<100B",
    "100B<n<1T",
)
DATA_FILES = "parquet/*.parquet"  # one row per document: source, doc_id, sentences
_SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


def size_category(n: int) -> str:
    """Hugging Face's size bucket of `n` rows."""
    for power, label in enumerate(SIZE_CATEGORIES, start=3):
        if n < 10**power:
            return label
    return "n>1T"


def hub_license(license: str) -> str:
    """A licence as the Hub's `license` list names it: an SPDX id in lower case (`cc0-1.0`),
    `unknown`, or `other` for a text or an SPDX expression."""
    if license.strip().lower() == "unknown":
        return "unknown"
    return license.lower() if _SPDX_ID.fullmatch(license) else "other"


def dataset_card(manifest: dict, licenses: Mapping[str, str]) -> str:
    """README.md of the corpus `manifest` describes; `licenses`: source -> licence (an SPDX id
    where there is one; sources missing from it are `unknown`)."""
    sources = manifest["sources"]
    licenses = {s: licenses.get(s, "unknown") for s in sources}
    header = {
        "language": ["ko"],
        "license": list(dict.fromkeys(hub_license(v) for v in licenses.values())),
        "license_details": licenses,
        "multilinguality": ["monolingual"],
        "size_categories": [size_category(manifest["totals"]["docs"])],
        "task_categories": ["fill-mask", "text-generation"],
        "task_ids": ["masked-language-modeling", "language-modeling"],
        "pretty_name": f"kosent corpus {manifest['recipe']}",
        "configs": [
            {"config_name": "default", "data_files": [{"split": "train", "path": DATA_FILES}]}
        ],
    }
    sections = [
        _about(manifest),
        _sources(manifest, licenses),
        _steps(manifest),
        _cleaning(manifest),
        _deduplication(manifest),
        _decontamination(manifest),
        _reproduce(manifest),
    ]
    front = yaml.safe_dump(header, allow_unicode=True, sort_keys=False, width=1000)
    return "---\n" + front + "---\n\n" + "\n\n".join(sections) + "\n"


def build_command(manifest: dict) -> str:
    """The `python -m corpus.build` command line of the options the manifest records (every
    one that decides the output, defaults included); the user's paths are placeholders."""
    o, near = manifest["options"], manifest["near_duplicates"]
    clean = o["cleaning"]
    groups = [
        ["python", "-m", "corpus.build", "--recipe", manifest["recipe"]],
        ["--sources", "sources.toml", "--out", "OUT"],
        ["--seed", str(o["seed"]), "--splitter", o["splitter"]],
        ["--shard-mb", str(o["shard_mb"]), "--task-mb", str(o["task_mb"])],
        ["--min-chars", str(clean["min_chars"])],
        ["--emoji", _keep(clean["keep_emoji"]), "--hanja", _keep(clean["keep_hanja"])],
        ["--exclusions", o["exclusions"]],
    ]
    if o["include_nsmc_test"]:
        groups.append(["--include-nsmc-test"])
    if not o["quality"]:
        groups.append(["--no-quality"])
    if near["enabled"]:
        groups.append(["--near-dup-shingle", str(near["shingle"])])
        groups.append(["--near-dup-threshold", str(near["threshold"])])
    else:
        groups.append(["--no-near-dup"])
    if o["decontaminate"]:
        groups.append(["--decontaminate", *o["decontaminate"]])
    if o["decontaminate"] or o["decontaminate_nsmc_test"]:
        groups.append(["--decontaminate-ngram", str(o["decontaminate_ngram"])])
    else:
        groups.append(["--no-decontaminate"])
    return " \\\n  ".join(shlex.join(group) for group in groups)


def _about(manifest: dict) -> str:
    totals, recipe = manifest["totals"], manifest["recipe"]
    version = manifest.get("code_version") or "not recorded"
    return "\n".join(
        [
            f"# kosent corpus `{recipe}`",
            "",
            manifest.get("description") or "(no description)",
            "",
            f"A Korean pretraining corpus built by `python -m corpus.build` (kosent, code "
            f"version {version}) with the recipe `{recipe}`: {totals['docs']:,} documents, "
            f"{totals['sentences']:,} sentences, {totals['bytes']:,} bytes of text from "
            f"{len(manifest['sources'])} sources, in {totals['shards']:,} shards. Every number "
            "below is from `manifest.json`, which also holds the options, each shard's sha256 "
            "and the recipe as built.",
            "",
            f"- `{DATA_FILES}`: one row per document (`source`, `doc_id`, `sentences`: a list "
            f'of strings); `datasets.load_dataset("path/to/{recipe}")` loads them as the split '
            "`train`. `size_categories` counts these rows (documents).",
            "- `text/shard-*.txt`: the same documents in ELECTRA's pretraining format: one "
            "sentence per line, a blank line between documents.",
            "- `excluded/STEP/`: what each step dropped; `rejects/rejects.jsonl`: records no "
            "reader could use; `report/`: a summary with plots.",
            *(f"\n**Note:** {note}" for note in manifest.get("notes", [])),
        ]
    )


def _sources(manifest: dict, licenses: dict[str, str]) -> str:
    rows = [
        "| source | licence | files | documents read | documents kept | sentences | bytes "
        "| dropped, by reason |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    skipped = []
    for name, s in manifest["sources"].items():
        drops = _counts(s["drops"]) or "none"
        rows.append(
            f"| {name} | {_cell(licenses[name])} | {len(s['files_read']):,} | {s['docs_in']:,} "
            f"| {s['docs_out']:,} | {s['sentences']:,} | {s['bytes']:,} | {drops} |"
        )
        for path, why in s["files_skipped"].items():
            skipped.append(f"- {name}: `{PurePath(path).name}` left out: {why}")
    return "\n".join(
        [
            "## Sources",
            "",
            *rows,
            "",
            "Licences are as the sources file's `[licenses]` table declares them for these files "
            "(else the source registry's, corpus/sources.py); `unknown` means none was declared: "
            "check it before you redistribute the corpus. Each source's files are listed under "
            "`sources.NAME.files_read` in manifest.json.",
            *(["", *skipped] if skipped else []),
        ]
    )


def _steps(manifest: dict) -> str:
    per_step, reasons = _dropped(manifest)
    steps = [*(["read"] if "read" in reasons else []), *per_step]
    rows = ["| step | what it does | documents dropped | by reason |", "|---|---|---:|---|"]
    for step in steps:
        n = per_step.get(step, sum(reasons.get(step, {}).values()))
        by_reason = _counts(reasons.get(step, {})) or "-"
        rows.append(f"| {step} | {_cell(_what(step, manifest))} | {n:,} | {by_reason} |")
    return "\n".join(
        [
            "## Processing, step by step",
            "",
            "In this order; each step sees only what the ones before it kept. Exact and near "
            "deduplication run over the whole corpus, across sources.",
            "",
            *rows,
        ]
    )


def _what(step: str, manifest: dict) -> str:
    o, near = manifest["options"], manifest["near_duplicates"]
    recipe = manifest.get("recipe_definition") or {}
    sample = ", ".join(f"{s} {f:.0%}" for s, f in (recipe.get("sample") or {}).items())
    decontaminated = manifest.get("decontamination") is not None
    return {
        "read": "records a reader could not turn into a document (rejects/rejects.jsonl)",
        "clean": "NFC, PII removal, news boilerplate, character filter, repeats, whitespace; "
        f"documents under {o['cleaning']['min_chars']} characters dropped",
        "quality": "the recipe's quality rules (below)" if o["quality"] else "off (--no-quality)",
        "sample": f"the recipe's seeded sample: {sample} (seed {o['seed']})"
        if sample
        else "no sample in the recipe",
        "decontaminate": "benchmark overlap (below)" if decontaminated else "off",
        "exact_dedup": "the same text ignoring whitespace: the first copy kept",
        "near_dedup": f"MinHash near-duplicates at Jaccard {near['threshold']} (below)"
        if near["enabled"]
        else "off (--no-near-dup)",
        "split": f"sentence split ({o['splitter']}); documents without a sentence dropped",
    }.get(step, f"the recipe's own step `{step}`")


def _cleaning(manifest: dict) -> str:
    recipe = manifest.get("recipe_definition") or {}
    cleaning = manifest["options"]["cleaning"]
    if "clean" in recipe.get("steps", []):
        done = (
            "The `clean` step removes, from every source's text (corpus/cleaning.py, patterns "
            "in kosent_common/pii.py): URLs, e-mail addresses, Korean phone numbers (mobile and "
            "area codes, +82), resident registration numbers, card numbers and bank account "
            "numbers, also where a Korean particle is glued to them (`010-1234-5678로`). Names, "
            "nicknames, street addresses and other personal details in running text are not "
            "removed. The readers keep only each record's text and an id (no author, speaker "
            "or user fields)."
        )
        characters = (
            f"Characters: emoji {_keep(cleaning['keep_emoji'])}, hanja "
            f"{_keep(cleaning['keep_hanja'])}; runs of one character over "
            f"{cleaning['max_repeat']} shortened to {cleaning['max_repeat']} (digits never)."
        )
        pii = [done, "", characters]
    elif recipe:
        pii = ["**Not done:** the recipe's steps do not include `clean`: no PII is removed."]
    else:
        pii = ["Not recorded: this manifest has no recipe definition (a build before version 1)."]
    lines = ["## Cleaning and personal data", "", *pii]
    quality = {s: q for s, q in manifest.get("quality", {}).items() if q}
    if quality:
        lines += ["", "Quality rules (corpus/quality.py; a document goes at the first it fails):"]
        if len({json.dumps(q, sort_keys=True) for q in quality.values()}) == 1:
            lines.append(f"- every source: {_settings(next(iter(quality.values())))}")
        else:
            lines += [f"- {s}: {_settings(q)}" for s, q in quality.items()]
    return "\n".join(lines)


def _deduplication(manifest: dict) -> str:
    near, steps = manifest["near_duplicates"], _dropped(manifest)[0]
    order = "source order in the recipe, then file order, then position"
    lines = [
        "## Deduplication",
        "",
        "- **Exact**: documents with the same text ignoring whitespace, across sources; the "
        f"first copy in corpus order ({order}) is kept. Dropped: "
        f"{steps.get('exact_dedup', 0):,} ({_per_source(manifest, 'duplicate')}).",
    ]
    if not near["enabled"]:
        return "\n".join([*lines, "- **Near-duplicates**: off (`--no-near-dup`)."])
    return "\n".join(
        [
            *lines,
            f"- **Near-duplicates**: MinHash of {near['shingle']}-character shingles "
            f"({near['num_perm']} permutations), LSH with {near['bands']} bands x "
            f"{near['rows']} rows at Jaccard {near['threshold']}, candidates confirmed by "
            f"signature agreement; documents under {near['min_chars']} characters are not "
            "compared. Documents joined by confirmed pairs form a cluster whose first document "
            f"in corpus order is kept. Dropped: {steps.get('near_dedup', 0):,} "
            f"({_per_source(manifest, 'near_duplicate')}); a sample of clusters is in "
            "report/summary.md.",
        ]
    )


def _decontamination(manifest: dict) -> str:
    found = manifest.get("decontamination")
    if not found:
        return (
            "## Decontamination\n\nNone: no benchmark file was given and no NSMC test split "
            "was among the inputs, or `--no-decontaminate`."
        )
    names = ", ".join(f"`{PurePath(b).name}`" for b in found["benchmarks"])
    per_step, per_reason = _dropped(manifest)
    dropped, reasons = per_step.get("decontaminate", 0), per_reason.get("decontaminate", {})
    by_reason = f" ({_counts(reasons)})" if reasons else ""
    return (
        f"## Decontamination\n\nAgainst {names} ({found['items']:,} items; full paths and "
        "columns in manifest.json): a document is dropped when it equals an item of 10+ letters "
        f"or shares a {found['ngram_chars']}-character n-gram (letters and digits, lowercase, "
        f"no spaces) with one. {found['items_found']:,} benchmark items were found in the "
        f"input; {dropped:,} documents dropped{by_reason}."
    )


def _reproduce(manifest: dict) -> str:
    odd = _api_only(manifest)
    return "\n".join(
        [
            "## Reproduce",
            "",
            f"With kosent at code version {manifest.get('code_version') or '(not recorded)'}:",
            "",
            "```sh",
            build_command(manifest),
            "```",
            "",
            "`sources.toml` maps each source to the files listed under `sources.NAME.files_read` "
            "in manifest.json (and may name their licences under `[licenses]`); add `--recipes "
            f"FILE` when `{manifest['recipe']}` is not the bundled corpus/recipes.toml recipe (the "
            "recipe as built is `recipe_definition` in manifest.json). `--workers` and "
            "`--executor` change how fast, not what: the shards' sha256 in manifest.json are the "
            "same for any of them.",
            *([f"\nSet through the Python API, not the command line: {odd}."] if odd else []),
        ]
    )


def _api_only(manifest: dict) -> str:
    """Options the command line cannot set that differ from their defaults."""
    o, near = manifest["options"], manifest["near_duplicates"]
    odd = []
    if o["cleaning"]["max_repeat"] != CleaningConfig.max_repeat:
        odd.append(f"cleaning max_repeat={o['cleaning']['max_repeat']}")
    for key in ("num_perm", "min_chars"):
        if near[key] != getattr(NearDupConfig, key):
            odd.append(f"near_dup {key}={near[key]}")
    if o["decontaminate"] and not o["decontaminate_nsmc_test"]:
        odd.append("decontaminate_nsmc_test=False")
    return ", ".join(odd)


def _dropped(manifest: dict) -> tuple[dict, dict]:
    """(documents dropped per step, per step and reason); builds before the reasons were
    recorded per step have only the first."""
    exclusions = manifest.get("exclusions") or {}
    return exclusions.get("dropped_per_step", {}), exclusions.get("dropped_per_step_reason", {})


def _per_source(manifest: dict, reason: str) -> str:
    counts = [(s, v["drops"].get(reason, 0)) for s, v in manifest["sources"].items()]
    return ", ".join(f"{s} {n:,}" for s, n in counts if n) or "none"


def _settings(rules: dict) -> str:
    if not rules.get("enabled", True):
        return "off"
    return ", ".join(f"{k} {v}" for k, v in rules.items() if k != "enabled")


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {n:,}" for k, n in counts.items())


def _keep(keep: bool) -> str:
    return "keep" if keep else "drop"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
