"""kss-fast (corpus/_kss_core.pyx) against kss 6.0.6's mecab path: identity and speed.

    .venv/bin/python -m bench.splitter                 # speed, per source, in one run
    .venv/bin/python -m bench.splitter --identity      # every line of every corpus

Lines are what `corpus.split.split_document` feeds a splitter: the non-blank lines of each
document, read by the project's readers (bundled slices in demo/data and tests/fixtures) and
from ../shared/data (NSMC, korean_hate_speech comments, ChatbotData, boddari, Modu fixtures).

Identity compares `KssFastSplitter`'s core with `corpus.kss_core.reference_split` (kss with
its cross-call state reset, i.e. a fresh kss process) and writes every difference, with
what kss or the core raised, to --differences (a JSONL test data file).

Speed is KB of UTF-8 input per CPU-second (time.process_time) of kss.split_sentences(line,
backend="mecab") and of the core on the same lines, interleaved in blocks so that load from
other processes hits both alike; the core's time is split into MeCab (lattice string) and the
rest (core + Python glue).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from corpus.readers import READERS
from corpus.readers.kcc import read_kcc
from corpus.readers.nsmc import read_nsmc
from corpus.sources import SOURCES

ROOT = Path(__file__).resolve().parent.parent

MODU_SOURCES = {s.nikl_release: s.name for s in SOURCES if s.nikl_release}  # folder -> source


def _ignore(_reject) -> None:
    pass


def _doc_lines(texts: Iterator[str]) -> Iterator[str]:
    for text in texts:
        for line in text.split("\n"):
            if line.strip():
                yield line


def _read(reader, path: Path, source: str) -> Iterator[str]:
    return _doc_lines(doc.text for doc in reader(path, source, _ignore))


def bundled_sources() -> dict[str, Iterator[str]]:
    """Lines of the bundled corpus slices (demo/data, tests/fixtures), per slice."""
    out: dict[str, Iterator[str]] = {}
    for top in ("demo/data", "tests/fixtures"):
        base = ROOT / top
        for name in ("reviews", "kcbert", "wiki", "kcc", "nsmc"):
            for path in sorted((base / name).glob("*")):
                out[f"{top}/{name}/{path.name}"] = _read(READERS[name], path, name)
        for path in sorted((base / "modu").glob("*/*.json")):
            out[f"{top}/modu/{path.parent.name}"] = _read(
                READERS[MODU_SOURCES[path.parent.name]], path, MODU_SOURCES[path.parent.name]
            )
    return out


def _tsv_column(path: Path, column: str) -> Iterator[str]:
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            yield row[column] or ""


def _csv_columns(path: Path, columns: tuple[str, ...]) -> Iterator[str]:
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for c in columns:
                yield row[c] or ""


def shared_sources(data: Path) -> dict[str, Iterator[str]]:
    """Lines of the ../shared/data corpora, per corpus."""
    hate = data / "korean_hate_speech"
    out = {
        "nsmc/ratings_train": _read(read_nsmc, data / "nsmc/ratings_train.txt", "nsmc"),
        "nsmc/ratings_test": _read(read_nsmc, data / "nsmc/ratings_test.txt", "nsmc"),
        "hate_speech/labeled": _doc_lines(
            t for p in sorted((hate / "labeled").glob("*.tsv")) for t in _tsv_column(p, "comments")
        ),
        "hate_speech/unlabeled": _doc_lines(
            t for p in sorted((hate / "unlabeled").glob("*.txt")) for t in p.open(encoding="utf-8")
        ),
        "chatbot_data": _doc_lines(_csv_columns(data / "chatbot_data/ChatbotData.csv", ("Q", "A"))),
    }
    for name in ("wikinews", "book_review01", "unesco_report"):
        out[f"boddari/{name}"] = _read(read_kcc, data / f"boddari/boddari_txt_{name}.txt", "kcc")
    for path in sorted((data / "modu_schema_fixtures").glob("*/*.json")):
        source = MODU_SOURCES[path.parent.name]
        out[f"modu/{path.parent.name}"] = _read(READERS[source], path, source)
    return out


def compare(core, reference, sources: dict[str, Iterator[str]], out) -> tuple[list, list]:
    """(name, lines, identical) per source, and the differences (also written to `out`)."""
    diffs: list[dict] = []
    rows = []
    for name, lines in sources.items():
        n = ok = 0
        start = time.time()
        for line in lines:
            n += 1
            try:
                want = reference(line)
            except Exception as err:  # kss fails on a few lines; the splitter then raises too
                want = f"kss raised {type(err).__name__}: {err}"
            try:
                got = core.split(line)
            except Exception as err:
                got = f"core raised {type(err).__name__}: {err}"
            if got == want:
                ok += 1
            else:
                diffs.append({"source": name, "line": line, "kss": want, "core": got})
                out.write(json.dumps(diffs[-1], ensure_ascii=False) + "\n")
                out.flush()
        rows.append((name, n, ok))
        print(f"{name}: {ok}/{n} identical ({time.time() - start:.0f} s)", file=sys.stderr)
    return rows, diffs


def identity(args) -> None:
    from corpus.kss_core import load_core, reference_split

    core = load_core()
    if core is None:
        sys.exit("error: corpus._kss_core is not built (pip install -e .)")
    sources = {**bundled_sources(), **(shared_sources(args.data) if args.data else {})}
    if args.only:
        sources = {k: v for k, v in sources.items() if k.startswith(tuple(args.only.split(",")))}
    args.differences.parent.mkdir(parents=True, exist_ok=True)
    with open(args.differences, "w", encoding="utf-8") as out:  # as found: a run can stop
        rows, diffs = compare(core, reference_split, sources, out)
    total, same = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print("| lines from | lines | identical | rate |\n|---|---:|---:|---:|")
    for name, n, ok in rows:
        print(f"| {name} | {n} | {ok} | {100 * ok / max(n, 1):.3f}% |")
    print(f"| **all** | {total} | {same} | {100 * same / max(total, 1):.4f}% |")
    print(f"\n{len(diffs)} differences written to {args.differences}")


def _timed(fn, lines: list[str]) -> float:
    start = time.process_time()
    for line in lines:
        fn(line)
    return time.process_time() - start


def speed(args) -> None:
    import kss

    from corpus.kss_core import load_core

    core = load_core()
    if core is None:
        sys.exit("error: corpus._kss_core is not built (pip install -e .)")
    shared = shared_sources(args.data)
    picks = {
        "nsmc (short reviews)": shared["nsmc/ratings_train"],
        "hate_speech comments": shared["hate_speech/labeled"],
        "boddari wikinews (news lines)": shared["boddari/wikinews"],
        "boddari book reviews": shared["boddari/book_review01"],
        "boddari unesco (long lines)": shared["boddari/unesco_report"],
    }

    def kss_split(line: str):
        return kss.split_sentences(line, backend="mecab", num_workers=1)

    print(
        "| lines | KB | kss KB/CPU-s | kss-fast KB/CPU-s | ratio | of kss-fast's time: MeCab | "
        "core + glue |\n|---|---:|---:|---:|---:|---:|---:|"
    )
    all_k = all_c = all_m = all_kb = 0.0
    for name, lines_iter in picks.items():
        lines: list[str] = []
        size = 0
        for line in lines_iter:
            lines.append(line)
            size += len(line.encode("utf-8"))
            if size >= args.kb * 1024:
                break
        # warm both (imports, MeCab dictionary pages), then interleave blocks
        kss_split(lines[0])
        core.split(lines[0])
        t_k = t_c = t_m = 0.0
        block = max(1, len(lines) // 10)
        for i in range(0, len(lines), block):
            part = lines[i : i + block]
            t_k += _timed(kss_split, part)
            t_c += _timed(core.split, part)
            t_m += _timed(core.analyze, part)
        kb = size / 1024
        all_k, all_c, all_m, all_kb = all_k + t_k, all_c + t_c, all_m + t_m, all_kb + kb
        print(
            f"| {name} ({len(lines)}) | {kb:.0f} | {kb / t_k:.0f} | {kb / t_c:.0f} | "
            f"{t_k / t_c:.1f}x | {100 * t_m / t_c:.0f}% | {100 * (t_c - t_m) / t_c:.0f}% |"
        )
    print(
        f"| **all** | {all_kb:.0f} | {all_kb / all_k:.0f} | {all_kb / all_c:.0f} | "
        f"{all_k / all_c:.1f}x | {100 * all_m / all_c:.0f}% | {100 * (all_c - all_m) / all_c:.0f}% |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--identity", action="store_true", help="compare every line with kss")
    parser.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared" / "data", help="../shared/data"
    )
    parser.add_argument("--no-shared", action="store_true", help="identity: bundled slices only")
    parser.add_argument(
        "--differences",
        type=Path,
        default=ROOT / "tests/fixtures/kss_core/differences.jsonl",
        help="identity: where differences are written",
    )
    parser.add_argument(
        "--only", help="identity: comma-separated prefixes of the line sources to compare"
    )
    parser.add_argument("--kb", type=float, default=150, help="speed: KB of lines per source")
    args = parser.parse_args(argv)
    if args.no_shared:
        args.data = None
    elif not args.data.is_dir():
        print(f"error: {args.data} is not a directory (--data)", file=sys.stderr)
        sys.exit(2)
    if args.identity:
        identity(args)
    else:
        if args.data is None:
            print("error: speed needs --data", file=sys.stderr)
            sys.exit(2)
        speed(args)


if __name__ == "__main__":
    main()
