"""`scrapy crawl reviews -a source=kakao -a places=ID,ID [-a places_file=F] [-a query=Q]`

Arguments (-a): source (kakao | diningcode | generic), places, places_file (`id` or
`id<TAB>name` per line), query (sites with a search list), max_pages, max_search_pages,
site and sites_file (generic); any other name is an error (crawler.arguments). Settings (-s):
see crawler/settings.py. Requests go only to the source's own hosts (AllowedHostsMiddleware).

Crawls every review page of each place (newest first) and yields one ReviewPage per page.
A place finished by an earlier run is crawled only until the first page whose reviews are all
already written (incremental re-crawl).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.arguments import SpiderArgumentError, check_arguments
from crawler.frontier import frontier_settings
from crawler.items import ReviewPage
from crawler.middlewares import OffsiteRequest
from crawler.places import read_places
from crawler.rejects import RejectsLog
from crawler.sources import ADAPTERS, MalformedPage, Place
from crawler.store import KnownReviews, remove_unfinished_parts

logger = logging.getLogger(__name__)


class ReviewsSpider(Spider):
    name = "reviews"

    def __init__(self, **arguments: str) -> None:
        super().__init__()
        checked = check_arguments(arguments)
        self.source = checked.source
        self.places = read_places(checked.places, checked.places_file)
        self.query = checked.query
        self.max_pages = checked.max_pages
        self.max_search_pages = checked.max_search_pages
        self.adapter_options = checked.adapter_options
        if not self.places and not self.query:
            raise SpiderArgumentError(
                "nothing to crawl: pass -a places=ID,ID, -a places_file=FILE or -a query=TEXT"
            )

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        frontier_settings(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReviewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.shared_frontier = bool(crawler.settings.get("REVIEWS_FRONTIER"))
        if spider.shared_frontier:
            crawler.signals.connect(spider.linger_while_others_work, signal=signals.spider_idle)
            spider.idle_since = None
        if crawler.settings.getfloat("DOWNLOAD_DELAY") <= 0:
            logger.warning(
                "DOWNLOAD_DELAY is 0: Scrapy 2.19 with the asyncio reactor was seen not to enforce "
                "CONCURRENT_REQUESTS_PER_DOMAIN then; keep a small delay when crawling real sites"
            )
        spider.adapter = ADAPTERS[spider.source](crawler.settings, **spider.adapter_options)
        spider.allowed_origins = spider.adapter.allowed_origins()
        output_name = getattr(getattr(spider.adapter, "spec", None), "name", spider.source)
        spider.source_dir = Path(crawler.settings.get("REVIEWS_OUTPUT_DIR")) / output_name
        if not spider.shared_frontier:
            remove_unfinished_parts(spider.source_dir)
        spider.known = KnownReviews.load(spider.source_dir)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        spider.rejects = RejectsLog(spider.source_dir, stamp)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for place in self.places:
            yield self.review_request(place, None, 1)
        if self.query:
            yield self.search_request(1)

    # requests ------------------------------------------------------------------------------

    def review_request(self, place: Place, cursor: Any, page_number: int) -> Request:
        # dont_filter: a page seen before a kill may need fetching again after it (its
        # reviews are only safe once in a renamed part file; the part files are the truth).
        # With a shared frontier the Redis dupefilter gives each page to one worker instead.
        return self.adapter.review_request(place, cursor).replace(
            callback=self.parse_reviews,
            errback=self.page_failed,
            dont_filter=not self.shared_frontier,
            meta={"place": place, "cursor": cursor, "page_number": page_number},
        )

    def search_request(self, page: int) -> Request:
        return self.adapter.search_request(self.query, page).replace(
            callback=self.parse_search,
            errback=self.page_failed,
            dont_filter=not self.shared_frontier,
            meta={"search_page": page},
        )

    # callbacks -----------------------------------------------------------------------------

    def parse_search(self, response: Response) -> Iterator[Request]:
        page = response.meta["search_page"]
        try:
            places, next_page = self.adapter.parse_search(response, self.query, page)
        except MalformedPage as err:
            self.reject_page(response.url, err.reason, err.detail, None)
            return
        self.crawler.stats.inc_value("reviews/search_pages")
        for place in places:
            self.crawler.stats.inc_value("reviews/places_found")
            yield self.review_request(place, None, 1)
        if next_page is not None and page < self.max_search_pages:
            yield self.search_request(next_page)

    def parse_reviews(self, response: Response) -> Iterator[ReviewPage | Request]:
        self.idle_since = None
        place: Place = response.meta["place"]
        page_number: int = response.meta["page_number"]
        stats = self.crawler.stats
        try:
            page = self.adapter.parse_reviews(response, place)
        except MalformedPage as err:
            self.reject_page(response.url, err.reason, err.detail, place.place_id)
            return
        stats.inc_value("reviews/pages")
        for reason, detail in page.rejects:
            stats.inc_value(f"reviews/rejected/{reason}")
            self.rejects.add(response.url, reason, detail, place.place_id)
        if self._up_to_date(place, page.reviews):
            stats.inc_value("reviews/places_up_to_date")
            yield ReviewPage(self.source_name, place.place_id, page_number, [], last=True)
            return
        stats.inc_value("reviews/parsed", len(page.reviews))
        last = page.next_cursor is None
        yield ReviewPage(self.source_name, place.place_id, page_number, page.reviews, last=last)
        if last:
            return
        if self.max_pages is not None and page_number >= self.max_pages:
            stats.inc_value("reviews/places_cut_at_max_pages")
        else:
            yield self.review_request(place, page.next_cursor, page_number + 1)

    def page_failed(self, failure: Failure) -> None:
        request = failure.request
        place = request.meta.get("place")
        if failure.check(HttpError):
            reason = f"http_{failure.value.response.status}"
        elif failure.check(OffsiteRequest):
            reason = "offsite"
        elif failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            reason = "robots_forbidden"
        elif failure.check(IgnoreRequest):
            reason = "ignored"
        else:
            reason = "download_failed"
        self.reject_page(
            request.url, reason, repr(failure.value), place.place_id if place else None
        )

    # helpers -------------------------------------------------------------------------------

    @property
    def source_name(self) -> str:
        return self.source_dir.name

    def _up_to_date(self, place: Place, reviews: list) -> bool:
        """A place finished before whose newest-first page holds only written reviews."""
        return (
            self.adapter.newest_first
            and place.place_id in self.known.places_done
            and bool(reviews)
            and all(review.review_id in self.known for review in reviews)
        )

    def reject_page(self, url: str, reason: str, detail: str, place_id: str | None) -> None:
        """A page that could not be used: its place stays unfinished (the next run retries it)."""
        self.crawler.stats.inc_value(f"reviews/pages_rejected/{reason}")
        self.rejects.add(url, reason, detail, place_id)
        logger.warning("page rejected (%s) %s: %s", reason, url, detail[:200])

    def linger_while_others_work(self) -> None:
        """With a shared frontier, an idle worker waits REVIEWS_FRONTIER_IDLE_SECONDS for pages
        that other workers are still adding before it closes."""
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        if now - self.idle_since < self.crawler.settings.getfloat("REVIEWS_FRONTIER_IDLE_SECONDS"):
            raise DontCloseSpider

    def closed(self, reason: str) -> None:
        self.rejects.close()
