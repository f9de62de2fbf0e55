"""Item pipelines over ReviewPage items, in order: scrub PII, drop duplicates, write Parquet.

Drops are per review (counted by reason in the stats; empty texts also in the rejects file);
the page itself always reaches the Parquet pipeline, which tracks when a place is finished.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler

from corpus.pii import scrub_pii
from crawler.items import ReviewItem, ReviewPage
from crawler.parquet_writer import ReviewsPartWriter
from crawler.store import id_hash


class _Stage:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def count_drop(self, reason: str, number: int = 1) -> None:
        if number:
            self.crawler.stats.inc_value(f"reviews/dropped/{reason}", number)


class ScrubPipeline(_Stage):
    """NFC, PII removed (corpus.pii: the patterns the corpus stage applies); empty -> rejected."""

    def process_item(self, page: ReviewPage) -> ReviewPage:
        kept = []
        for review in page.reviews:
            review.text = scrub_pii(unicodedata.normalize("NFC", review.text))
            if review.text:
                kept.append(review)
            else:
                self.count_drop("empty_text")
                self.crawler.spider.rejects.add(
                    review.url, "empty_text", review.review_id, review.place_id
                )
        page.reviews = kept
        return page


class DedupPipeline(_Stage):
    """(source, review_id) once per run, and never again after an earlier run wrote it."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.this_run: set[int] = set()

    def process_item(self, page: ReviewPage) -> ReviewPage:
        keys = [id_hash(review.review_id) for review in page.reviews]
        seen_before = self.crawler.spider.known.contains_hashes(keys)
        kept: list[ReviewItem] = []
        for review, key, before in zip(page.reviews, keys, seen_before, strict=True):
            if before:
                self.count_drop("seen_before")
                continue
            if key in self.this_run:
                self.count_drop("duplicate")
                continue
            self.this_run.add(key)
            kept.append(review)
        page.reviews = kept
        return page


class ParquetPipeline(_Stage):
    """Reviews-contract Parquet parts under REVIEWS_OUTPUT_DIR/<source>/ (crawler.parquet_writer).

    A place is recorded as finished in the part being written once its last page and every
    page before it have been written in this run, whatever order the pages arrived in.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.writer: ReviewsPartWriter | None = None
        self.pages: dict[str, set[int]] = defaultdict(set)
        self.last_page: dict[str, int] = {}
        self.finished: set[str] = set()

    def open_spider(self) -> None:
        settings = self.crawler.settings
        self.writer = ReviewsPartWriter(
            Path(self.crawler.spider.source_dir),
            row_group_rows=settings.getint("REVIEWS_ROW_GROUP_ITEMS"),
            part_rows=settings.getint("REVIEWS_PART_ITEMS"),
        )

    def process_item(self, page: ReviewPage) -> ReviewPage:
        self.writer.add_reviews(page.reviews, dt.datetime.now(dt.UTC))
        self.crawler.stats.inc_value("reviews/written", len(page.reviews))
        place = page.place_id
        self.pages[place].add(page.page_number)
        if page.last:
            self.last_page[place] = page.page_number
        last = self.last_page.get(place)
        if (
            place not in self.finished
            and last is not None
            and all(n in self.pages[place] for n in range(1, last + 1))
        ):
            self.finished.add(place)
            self.writer.place_done(place)
            self.crawler.stats.inc_value("reviews/places_done")
        return page

    def close_spider(self) -> None:
        self.writer.close()
        self.crawler.stats.set_value("reviews/part_files", len(self.writer.parts_written))
