import datetime as dt

import pyarrow.parquet as pq
import pytest

from crawler.parquet_writer import ReviewsPartWriter
from crawler.schema import REVIEWS_SCHEMA
from crawler.store import KnownReviews, StoreError, remove_unfinished_parts


def row(n):
    return {
        "source": "kakao",
        "place_id": "p",
        "place_name": None,
        "review_id": str(n),
        "text": f"리뷰 {n}",
        "rating": 4.0,
        "written_at": dt.date(2024, 1, 1),
        "crawled_at": dt.datetime.now(dt.UTC),
        "url": "u",
    }


def test_row_groups_parts_and_places(tmp_path):
    writer = ReviewsPartWriter(tmp_path, row_group_rows=3, part_rows=6)
    for n in range(7):
        writer.add(row(n))
    parts = sorted(tmp_path.glob("part-*.parquet"))
    assert len(parts) == 1  # the first part is whole after 6 rows; the 7th is still buffered
    writer.place_done("p")
    writer.close()
    parts = sorted(tmp_path.glob("part-*.parquet"))
    assert [pq.ParquetFile(p).metadata.num_rows for p in parts] == [6, 1]
    assert pq.ParquetFile(parts[0]).num_row_groups == 2
    assert pq.read_schema(parts[0]).remove_metadata().equals(REVIEWS_SCHEMA)
    assert pq.ParquetFile(parts[0]).metadata.row_group(0).column(0).compression == "ZSTD"
    assert not list(tmp_path.glob(".*"))

    known = KnownReviews.load(tmp_path)
    assert known.places_done == {"p"} and len(known.ids) == 7
    assert "6" in known and "7" not in known


def test_a_place_finished_without_new_reviews_is_still_recorded(tmp_path):
    writer = ReviewsPartWriter(tmp_path)
    writer.place_done("q")
    writer.close()
    assert KnownReviews.load(tmp_path).places_done == {"q"}
    empty = ReviewsPartWriter(tmp_path / "none")
    empty.close()
    assert not (tmp_path / "none").exists()


def test_abort_leaves_no_partial_file(tmp_path):
    writer = ReviewsPartWriter(tmp_path, row_group_rows=1, part_rows=10)
    writer.add(row(1))
    assert list(tmp_path.glob(".part-*"))  # written under a hidden temporary name
    writer.abort()
    assert not list(tmp_path.iterdir())
    assert KnownReviews.load(tmp_path).files == 0


def test_bad_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError):
        ReviewsPartWriter(tmp_path, row_group_rows=10, part_rows=5)


def test_an_unreadable_earlier_part_is_a_clear_error(tmp_path):
    writer = ReviewsPartWriter(tmp_path)
    writer.add(row(1))
    writer.close()
    [part] = tmp_path.glob("part-*.parquet")
    part.write_bytes(part.read_bytes()[:-20])  # truncated: the footer is gone
    with pytest.raises(StoreError, match=part.name) as err:
        KnownReviews.load(tmp_path)
    assert "Move it out of the folder" in str(err.value)


def test_unfinished_parts_of_a_killed_crawl_are_removed(tmp_path):
    writer = ReviewsPartWriter(tmp_path, row_group_rows=1, part_rows=10)
    writer.add(row(1))  # a temporary part, as a kill would leave it
    keep = tmp_path / "part-20260101T000000000000Z-1-00000.parquet"
    keep.write_bytes(b"")
    assert [p.name.startswith(".part-") for p in remove_unfinished_parts(tmp_path)] == [True]
    assert sorted(p.name for p in tmp_path.iterdir()) == [keep.name]
