"""Politeness: honour 429 + Retry-After for the whole site, stop on captcha or block pages."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware:
    """On 429 (or 503 with Retry-After), pause every request to that host until the time the
    server asked for, then retry; without a header back off exponentially. Gives up after
    RETRY_AFTER_MAX_TIMES tries of one request. Waits are capped at RETRY_AFTER_MAX_SECONDS.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.max_times = settings.getint("RETRY_AFTER_MAX_TIMES")
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX_SECONDS")
        self.base_wait = settings.getfloat("RETRY_AFTER_BASE_SECONDS")
        self.paused_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).netloc
        wait = self.paused_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            self.crawler.stats.inc_value("retry_after/paused_requests")
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        header = response.headers.get(b"Retry-After")
        if response.status != 429 and not (response.status == 503 and header):
            return response
        tries = request.meta.get("retry_after_times", 0) + 1
        wait = retry_after_seconds(header)
        if wait is None:
            wait = self.base_wait * 2 ** (tries - 1)
        wait = min(wait, self.max_wait)
        host = urlparse_cached(request).netloc
        self.paused_until[host] = max(self.paused_until.get(host, 0.0), time.monotonic() + wait)
        self.crawler.stats.inc_value(f"retry_after/{response.status}")
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"retry_after_{response.status}",
            max_retry_times=self.max_times,
        )
        if retry is None:
            self.crawler.stats.inc_value("retry_after/gave_up")
            return response
        retry.meta["retry_after_times"] = tries
        logger.info(
            "%s answered %d: pausing %s for %.1f s", request.url, response.status, host, wait
        )
        return retry


class BlockedPageMiddleware:
    """A captcha or block page (BLOCKED_PAGE_MARKERS in a 200 body, or a BLOCKED_HTTP_CODES
    status) stops the crawl instead of retrying into it. What was collected is kept; the
    unfinished places are crawled again by the next run.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.markers = [m.lower() for m in crawler.settings.getlist("BLOCKED_PAGE_MARKERS")]
        self.codes = set(crawler.settings.getlist("BLOCKED_HTTP_CODES"))
        self.codes = {int(code) for code in self.codes}
        self.blocked = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockedPageMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        reason = None
        if response.status in self.codes:
            reason = f"status {response.status}"
        elif self.markers and response.status == 200:
            head = response.body[:65536].decode("utf-8", "replace").lower()
            marker = next((m for m in self.markers if m in head), None)
            if marker:
                reason = f"page contains {marker!r}"
        if reason is None:
            return response
        self.crawler.stats.inc_value("blocked/pages")
        if not self.blocked:
            self.blocked = True
            logger.error(
                "blocked at %s (%s): stopping the crawl; rerun later to resume", request.url, reason
            )
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="blocked"))
        raise IgnoreRequest(f"blocked page at {request.url}: {reason}")
