"""A progress line every REVIEWS_LOG_INTERVAL seconds and a summary (log + JSON) at close."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from kosent_common.atomic import write_json_atomic

logger = logging.getLogger(__name__)


def crawl_summary(stats: dict[str, Any], reason: str) -> dict[str, Any]:
    """The figures a user looks at, from Scrapy's stats of one crawl."""

    def by_prefix(prefix: str) -> dict[str, int]:
        return {k.removeprefix(prefix): v for k, v in sorted(stats.items()) if k.startswith(prefix)}

    start, end = stats.get("start_time"), stats.get("finish_time")
    return {
        "finish_reason": reason,
        "items_written": stats.get("reviews/written", 0),
        "part_files": stats.get("reviews/part_files", 0),
        "review_pages": stats.get("reviews/pages", 0),
        "places_done": stats.get("reviews/places_done", 0),
        "places_up_to_date": stats.get("reviews/places_up_to_date", 0),
        "requests": stats.get("downloader/request_count", 0),
        "retries": stats.get("retry/count", 0),
        "retry_after": by_prefix("retry_after/"),
        "dropped": by_prefix("reviews/dropped/"),
        "rejected_records": by_prefix("reviews/rejected/"),
        "rejected_pages": by_prefix("reviews/pages_rejected/"),
        "offsite_dropped": stats.get("offsite/dropped", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "blocked_pages": stats.get("blocked/pages", 0),
        "peak_rss_mb": round(stats["memusage/max"] / 2**20, 1) if "memusage/max" in stats else None,
        "seconds": round((end - start).total_seconds(), 3) if start and end else None,
    }


def failure_reason(summary: dict[str, Any]) -> str | None:
    """Why a crawl failed: it wrote no reviews and rejected pages (nothing could be fetched or
    used). None for a crawl that wrote reviews, or had nothing new to write."""
    rejected = summary["rejected_pages"]
    if summary["items_written"] or not rejected:
        return None
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(rejected.items()))
    return (
        f"the crawl wrote no reviews and rejected {sum(rejected.values())} pages ({reasons})"
        f" - finish reason {summary['finish_reason']!r}"
    )


class CrawlSummary:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("REVIEWS_LOG_INTERVAL")
        self.loop: task.LoopingCall | None = None
        self.summary: dict[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        extension = cls(crawler)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self) -> None:
        if self.interval > 0:
            self.loop = task.LoopingCall(self.log_progress)
            self.loop.start(self.interval, now=False)

    def log_progress(self) -> None:
        stats = self.crawler.stats.get_stats()
        logger.info(
            "progress: %d reviews written, %d pages, %d places done, %d retries, "
            "%d dropped, %d rejected pages",
            stats.get("reviews/written", 0),
            stats.get("reviews/pages", 0),
            stats.get("reviews/places_done", 0),
            stats.get("retry/count", 0),
            sum(v for k, v in stats.items() if k.startswith("reviews/dropped/")),
            sum(v for k, v in stats.items() if k.startswith("reviews/pages_rejected/")),
        )

    def closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_time", dt.datetime.now(dt.UTC))
        summary = crawl_summary(stats, reason)
        summary["source"] = spider.source_name
        summary["rejects_file"] = str(spider.rejects.path) if spider.rejects.count else None
        summary["failed"] = failure_reason(summary)
        if summary["failed"] and summary["rejects_file"]:
            summary["failed"] += f"; see {summary['rejects_file']}"
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = spider.source_dir / "crawls" / f"{stamp}.json"
        write_json_atomic(path, summary)
        logger.info("crawl summary (%s): %s", path, summary)
        self.summary = summary
