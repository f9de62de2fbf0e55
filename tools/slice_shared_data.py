"""Copy small licensed slices of ../shared/data into tests/fixtures/ and demo/ (run once,
outputs committed). Usage: python tools/slice_shared_data.py [SHARED_DATA_DIR]"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.sources import SOURCES
from crawler.schema import REVIEWS_SCHEMA

ROOT = Path(__file__).resolve().parents[1]


def nsmc_slice(src: Path, dst: Path, rows: int, must_have: tuple[int, ...] = ()) -> None:
    lines = src.read_text(encoding="utf-8").split("\n")
    chosen = [lines[0]] + lines[1 : rows + 1] + [lines[i - 1] for i in must_have]
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("\n".join(chosen) + "\n", encoding="utf-8")


def head_lines(src: Path, dst: Path, rows: int, bom: bool = False, encoding="utf-8") -> None:
    lines = [x for x in src.read_text(encoding="utf-8").split("\n") if x.strip()][:rows]
    dst.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode(encoding, errors="ignore")
    dst.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def wiki_slice(src: Path, dst_dir: Path, articles: int) -> None:
    """boddari Wikinews articles (title line, then paragraphs) in both wikiextractor layouts."""
    blocks = [b.strip().split("\n") for b in src.read_text(encoding="utf-8").split("\n\n")]
    blocks = [b for b in blocks if len(b) > 1][:articles]
    dst_dir.mkdir(parents=True, exist_ok=True)
    half = len(blocks) // 2
    with open(dst_dir / "wiki_00", "w", encoding="utf-8") as out:
        for i, block in enumerate(blocks[:half]):
            title = block[0]
            out.write(
                f'<doc id="{1000 + i}" url="https://ko.wikinews.org/?curid={1000 + i}" '
                f'title="{title}">\n{title}\n\n' + "\n\n".join(block[1:]) + "\n</doc>\n"
            )
    with open(dst_dir / "wiki_01.json", "w", encoding="utf-8") as out:
        for i, block in enumerate(blocks[half:], start=half):
            out.write(
                json.dumps(
                    {
                        "id": str(1000 + i),
                        "revid": "1",
                        "url": "",
                        "title": block[0],
                        "text": "\n\n".join(block),
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )


def reviews_parquet(raw_dir: Path, dst: Path, limit: int) -> None:
    """NSMC raw movie reviews in the crawler's Reviews contract (no author stored)."""
    rows = []
    for path in sorted(raw_dir.glob("[0-9]*.json")):
        for r in json.loads(path.read_text(encoding="utf-8")):
            yy, mm, dd = (int(x) for x in r["date"].split("."))
            rows.append(
                {
                    "source": "nsmc_raw",
                    "place_id": r["movie_id"],
                    "place_name": None,
                    "review_id": str(r["review_id"]),
                    "text": r["review"],
                    "rating": float(r["rating"]),
                    "written_at": dt.date(2000 + yy, mm, dd),
                    "crawled_at": dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
                    "url": None,
                }
            )
    table = pa.Table.from_pylist(rows[:limit], schema=REVIEWS_SCHEMA)
    dst.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, dst, compression="zstd")


@dataclass(frozen=True)
class Slices:
    """How much of the shared data a bundled data folder holds."""

    nsmc_train: int
    nsmc_test: int
    kcbert: int
    wiki_articles: int
    kcc: tuple[tuple[str, str, int, str], ...]  # boddari text, file name, lines, encoding
    reviews: tuple[str, int]  # part file name, rows
    nsmc_must_have: tuple[int, ...] = ()  # train lines always included
    chatbot: int = 0  # Q/A pairs of ChatbotData for the `text` and `text_blocks` sources


BUNDLED = {
    # NSMC: the 5 rows around an empty document and rows with doubled quotes are included.
    "tests/fixtures": Slices(
        300,
        100,
        300,
        6,
        (
            ("unesco_report", "KCC_sample_UTF8.txt", 60, "utf-8"),
            ("book_review01", "KCC_sample_EUCKR.txt", 20, "cp949"),
        ),
        ("part-fixture-0.parquet", 200),
        nsmc_must_have=(25859, 55739),
        chatbot=120,
    ),
    "demo/data": Slices(
        6000,
        2000,
        6000,
        120,
        (("unesco_report", "KCC_unesco_UTF8.txt", 1500, "utf-8"),),
        ("part-demo-0.parquet", 5000),
    ),
}


def chatbot_text(src: Path, dst: Path, pairs: int) -> None:
    """A user's own plain text: the questions one per line (`text`), and each question with
    its answer as a document between blank lines (`text_blocks`)."""
    with open(src, encoding="utf-8", newline="") as handle:
        rows = [(row["Q"], row["A"]) for row in csv.DictReader(handle)][:pairs]
    (dst / "text").mkdir(parents=True, exist_ok=True)
    (dst / "text_blocks").mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{q}\n" for q, _ in rows)
    (dst / "text" / "chatbot_questions.txt").write_text(lines, encoding="utf-8")
    blocks = "\n".join(f"{q}\n{a}\n" for q, a in rows)
    (dst / "text_blocks" / "chatbot_dialogues.txt").write_text(blocks, encoding="utf-8")


def write_slices(shared: Path, dst: Path, slices: Slices) -> None:
    nsmc = shared / "nsmc"
    nsmc_slice(
        nsmc / "ratings_train.txt",
        dst / "nsmc/ratings_train.txt",
        slices.nsmc_train,
        slices.nsmc_must_have,
    )
    nsmc_slice(nsmc / "ratings_test.txt", dst / "nsmc/ratings_test.txt", slices.nsmc_test)
    head_lines(
        shared / "korean_hate_speech/unlabeled/unlabeled_comments_5.txt",
        dst / "kcbert/comments.txt",
        slices.kcbert,
    )
    wiki_slice(shared / "boddari/boddari_txt_wikinews.txt", dst / "wiki", slices.wiki_articles)
    for text, name, lines, encoding in slices.kcc:  # UTF-8 files carry a BOM, as KCC's do
        src = shared / f"boddari/boddari_txt_{text}.txt"
        head_lines(src, dst / "kcc" / name, lines, bom=encoding == "utf-8", encoding=encoding)
    part, rows = slices.reviews
    reviews_parquet(shared / "nsmc_raw_sample", dst / "reviews" / part, rows)
    if slices.chatbot:
        chatbot_text(shared / "chatbot_data/ChatbotData.csv", dst, slices.chatbot)
    for source in (s for s in SOURCES if s.nikl_release):  # every declared Modu corpus
        for f in (shared / "modu_schema_fixtures" / source.nikl_release).glob("*.json"):
            (dst / source.data_folder).mkdir(parents=True, exist_ok=True)
            (dst / source.data_folder / f.name).write_bytes(f.read_bytes())


def main(shared: Path) -> None:
    for folder, slices in BUNDLED.items():
        write_slices(shared, ROOT / folder, slices)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
