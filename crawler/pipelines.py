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

from crawler.frontier import seen_key
from crawler.items import ReviewItem, ReviewPage
from crawler.parquet_writer import ReviewsPartWriter
from crawler.store import id_hash
from kosent_common.pii import scrub_pii


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
    """NFC, PII removed (kosent_common.pii, as in the corpus stage); empty -> rejected."""

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
    """(source, review_id) once per run, and never again after an earlier run wrote it.

    With a shared frontier (crawler.frontier) "this run" is every worker of the job: the ids
    are added to a Redis set, whose SADD says atomically which worker has a review first.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.this_run: set[int] = set()
        self.redis = None
        if url := crawler.settings.get("REVIEWS_FRONTIER"):
            import redis

            self.redis = redis.Redis.from_url(url)

    def first_in_job(self, review_ids: list[str]) -> list[bool]:
        """Per id: True where this worker is the first of the job to have it (SADD said 1)."""
        key = seen_key(self.crawler.settings, self.crawler.spider.source_name)
        with self.redis.pipeline(transaction=False) as pipe:
            for review_id in review_ids:
                pipe.sadd(key, review_id)
            return [added == 1 for added in pipe.execute()]

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
        if self.redis is not None and kept:
            first = self.first_in_job([review.review_id for review in kept])
            self.count_drop("duplicate", first.count(False))
            kept = [review for review, is_first in zip(kept, first, strict=True) if is_first]
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
        if self.crawler.settings.get("REVIEWS_FRONTIER"):
            return page  # a place's pages are spread over workers (crawler.frontier)
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
