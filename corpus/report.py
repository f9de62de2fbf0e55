"""report/: a markdown summary and PNG plots (sentence lengths, source mix) of a manifest."""

from __future__ import annotations

from pathlib import Path

from common.atomic import atomic_path, write_bytes_atomic


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
    lines += ["", "![sentence lengths](sentence_lengths.png) ![source mix](source_mix.png)", ""]
    return "\n".join(lines)


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
