"""report/: a markdown summary and PNG plots (sentence lengths, source mix) of a manifest."""

from __future__ import annotations

from pathlib import Path

from kosent_common.atomic import atomic_path, write_bytes_atomic


def write_report(out_dir: Path, manifest: dict) -> None:
    report_dir = Path(out_dir) / "report"
    _plot_sentence_lengths(report_dir / "sentence_lengths.png", manifest)
    _plot_source_mix(report_dir / "source_mix.png", manifest)
    write_bytes_atomic(report_dir / "summary.md", summary_markdown(manifest).encode("utf-8"))


def summary_markdown(manifest: dict) -> str:
    totals = manifest["totals"]
    lines = [
        f"# Corpus `{manifest['recipe']}`",
        "",
        f"{manifest['description']}",
        "",
        f"- documents: {totals['docs']:,}; sentences: {totals['sentences']:,}; "
        f"text: {totals['bytes'] / 1e6:.2f} MB in {totals['shards']} shards",
        f"- seed {manifest['seed']}, splitter {manifest['options']['splitter']}, "
        f"code {manifest['code_version']}",
        *(f"- **{note}**" for note in manifest["notes"]),
        "",
        "| source | docs in | docs out | sentences | MB | drops |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for source, s in manifest["sources"].items():
        drops = ", ".join(f"{k}: {v:,}" for k, v in s["drops"].items()) or "-"
        lines.append(
            f"| {source} | {s['docs_in']:,} | {s['docs_out']:,} | {s['sentences']:,} "
            f"| {s['bytes'] / 1e6:.2f} | {drops} |"
        )
    lines += _exclusion_lines(manifest.get("exclusions"))
    lines += _decontamination_lines(manifest.get("decontamination"))
    lines += _near_duplicate_lines(manifest.get("near_duplicates"))
    lines += ["", "![sentence lengths](sentence_lengths.png) ![source mix](source_mix.png)", ""]
    return "\n".join(lines)


def _one_line(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _exclusion_lines(summary: dict | None) -> list[str]:
    if not summary:
        return []
    policy = summary["policy"]
    where = {
        "all": "every dropped document is in",
        "none": "no dropped document was written (--exclusions none); they would be in",
    }.get(policy, f"the first {policy.split(':')[-1]} per step and task are in")
    lines = [
        "",
        "## Dropped, step by step",
        "",
        f"In order; {where} `excluded/STEP/` (Parquet: source, doc_id, reason, text).",
        "",
        "| step | documents dropped |",
        "|---|---:|",
    ]
    lines += [f"| {step} | {n:,} |" for step, n in summary["dropped_per_step"].items()]
    return lines


def _decontamination_lines(summary: dict | None) -> list[str]:
    if not summary:
        return ["", "No benchmark decontamination."]
    lines = [
        "",
        "## Benchmark decontamination",
        "",
        f"Benchmarks: {', '.join(f'`{b}`' for b in summary['benchmarks'])} "
        f"({summary['items']:,} items; {summary['ngram_chars']}-character n-grams). "
        f"Items found in the sources (documents dropped): {summary['items_found']:,}.",
        "",
    ]
    for item in summary["sample"]:
        lines.append(
            f"- [{item['source']} {item['doc_id']}, {item['reason']}] "
            f"{_one_line(item['text'])} **⟵** {_one_line(item['benchmark_item'])}"
        )
    return lines


def _near_duplicate_lines(summary: dict | None) -> list[str]:
    if not summary or not summary.get("enabled"):
        return ["", "No near-duplicate removal."]
    lines = [
        "",
        "## Near-duplicates",
        "",
        f"MinHash of {summary['shingle']}-character shingles, {summary['num_perm']} "
        f"permutations, LSH {summary['bands']} bands x {summary['rows']} rows, Jaccard "
        f"threshold {summary['threshold']}; documents under {summary['min_chars']} characters "
        "are left to exact dedup. Dropped (the first of each cluster in recipe order is kept), "
        "a sample:",
        "",
    ]
    for pair in summary["sample"]:
        dropped, kept = pair["dropped"], pair["kept"]
        lines.append(
            f"- [{dropped['source']} {dropped['doc_id']}] {_one_line(dropped['text'])} "
            f"**≈ kept** [{kept['source']} {kept['doc_id']}] {_one_line(kept['text'])}"
        )
    return lines


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot_sentence_lengths(path: Path, manifest: dict) -> None:
    plt = _figure()
    hist = manifest["sentence_length_histogram"]
    counts, width = hist["counts"], hist["bin_chars"]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar([i * width for i in range(len(counts))], counts, width=width, align="edge")
    ax.set_xlabel(f"sentence length (characters; last bin {width * (len(counts) - 1)}+)")
    ax.set_ylabel("sentences")
    ax.set_title(f"Sentence lengths, corpus {manifest['recipe']}")
    _save(fig, plt, path)


def _plot_source_mix(path: Path, manifest: dict) -> None:
    plt = _figure()
    names = list(manifest["sources"])
    megabytes = [manifest["sources"][n]["bytes"] / 1e6 for n in names]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh(names, megabytes)
    ax.invert_yaxis()
    ax.set_xlabel("text after cleaning (MB)")
    ax.set_title(f"Source mix, corpus {manifest['recipe']}")
    _save(fig, plt, path)


def _save(fig, plt, path: Path) -> None:
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
