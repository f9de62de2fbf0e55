"""Copy small licensed slices of ../shared/data into tests/fixtures/ and demo/ (run once,
outputs committed). Usage: python tools/slice_shared_data.py [SHARED_DATA_DIR]"""

from __future__ import annotations

import datetime as dt
import json
import sys
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


def main(shared: Path) -> None:
    fx, demo = ROOT / "tests" / "fixtures", ROOT / "demo" / "data"
    # NSMC: the 5 rows around an empty document and rows with doubled quotes are included.
    nsmc_slice(
        shared / "nsmc/ratings_train.txt", fx / "nsmc/ratings_train.txt", 300, (25859, 55739)
    )
    nsmc_slice(shared / "nsmc/ratings_test.txt", fx / "nsmc/ratings_test.txt", 100)
    head_lines(
        shared / "korean_hate_speech/unlabeled/unlabeled_comments_5.txt",
        fx / "kcbert/comments.txt",
        300,
    )
    wiki_slice(shared / "boddari/boddari_txt_wikinews.txt", fx / "wiki", 6)
    head_lines(
        shared / "boddari/boddari_txt_unesco_report.txt",
        fx / "kcc/KCC_sample_UTF8.txt",
        60,
        bom=True,
    )
    head_lines(
        shared / "boddari/boddari_txt_book_review01.txt",
        fx / "kcc/KCC_sample_EUCKR.txt",
        20,
        encoding="cp949",
    )
    reviews_parquet(shared / "nsmc_raw_sample", fx / "reviews/part-fixture-0.parquet", 200)
    for source in (s for s in SOURCES if s.nikl_release):  # every declared Modu corpus
        for f in (shared / "modu_schema_fixtures" / source.nikl_release).glob("*.json"):
            for root in (fx, demo):
                (root / source.data_folder).mkdir(parents=True, exist_ok=True)
                (root / source.data_folder / f.name).write_bytes(f.read_bytes())

    nsmc_slice(shared / "nsmc/ratings_train.txt", demo / "nsmc/ratings_train.txt", 6000)
    nsmc_slice(shared / "nsmc/ratings_test.txt", demo / "nsmc/ratings_test.txt", 2000)
    head_lines(
        shared / "korean_hate_speech/unlabeled/unlabeled_comments_5.txt",
        demo / "kcbert/comments.txt",
        6000,
    )
    wiki_slice(shared / "boddari/boddari_txt_wikinews.txt", demo / "wiki", 120)
    head_lines(
        shared / "boddari/boddari_txt_unesco_report.txt",
        demo / "kcc/KCC_unesco_UTF8.txt",
        1500,
        bom=True,
    )
    reviews_parquet(shared / "nsmc_raw_sample", demo / "reviews/part-demo-0.parquet", 5000)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
