"""Politeness and safety: stay on the source's hosts, honour 429/503 + Retry-After for the whole
host, stop on captcha or block pages."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.hosts import Origin, origin_of

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


class OffsiteRequest(IgnoreRequest):
    """A request to a host the source was not configured for (a link or a redirect)."""


class AllowedHostsMiddleware:
    """Drop every request whose scheme, host and port are not the source's (the spider's
    `allowed_origins`: its base URL settings, or a generic site's URL and `allowed_hosts`).

    Runs first (before robots.txt, so nothing at all is sent to another host) and applies to
    redirects too, which come back through the downloader middlewares. Scrapy's own
    OffsiteMiddleware is not enough: it compares host names without ports and lets every
    `dont_filter` request through, which is every review page of ours.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.logged: set[Origin] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedHostsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        allowed: frozenset[Origin] = getattr(self.crawler.spider, "allowed_origins", frozenset())
        origin = origin_of(request.url)
        if origin in allowed:
            return
        self.crawler.stats.inc_value("offsite/dropped")
        if origin not in self.logged:
            self.logged.add(origin)
            logger.warning(
                "dropped a request to %s, which is not a host of this source (%s): %s",
                origin.netloc,
                ", ".join(sorted(o.netloc for o in allowed)) or "none configured",
                request.url,
            )
        raise OffsiteRequest(f"{request.url} is not on a host of this source")


class RetryAfterMiddleware:
    """On 429, or 503 with Retry-After, pause every request to that host until the time the
    server asked for (delta-seconds or an HTTP date), then retry; a 429 without the header
    backs off exponentially. Gives up after RETRY_AFTER_MAX_TIMES tries of one request; waits
    are capped at RETRY_AFTER_MAX_SECONDS. A 503 without Retry-After is left to Scrapy's
    RetryMiddleware.

    It must sit above RetryMiddleware (550) in DOWNLOADER_MIDDLEWARES: responses travel from
    high to low numbers, and RetryMiddleware would otherwise retry a 503 at once. The pause
    starts when the response arrives (signal response_downloaded, before Scrapy sends the
    host's next queued request) and covers requests that arrive later (process_request waits)
    and those already queued in the host's download slot (the slot's last-request time is
    moved to the end of the pause, so Scrapy's own delay logic holds them).
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
        middleware = cls(crawler)
        crawler.signals.connect(middleware.response_downloaded, signals.response_downloaded)
        return middleware

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).netloc
        wait = self.paused_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            self.crawler.stats.inc_value("retry_after/paused_requests")
            await asyncio.sleep(wait)

    def wait_asked(self, request: Request, response: Response) -> float | None:
        """Seconds to pause the host for this response, or None when it asks for no pause."""
        header = response.headers.get(b"Retry-After")
        if response.status != 429 and not (response.status == 503 and header):
            return None
        wait = retry_after_seconds(header)
        if wait is None:
            tries = request.meta.get("retry_after_times", 0) + 1
            wait = self.base_wait * 2 ** (tries - 1)
        return min(wait, self.max_wait)

    def response_downloaded(self, response: Response, request: Request, **_: object) -> None:
        """Start the pause as the response arrives: Scrapy sends the slot's next queued
        request right after this signal, before process_response runs."""
        wait = self.wait_asked(request, response)
        if wait is not None:
            request.meta["retry_after_wait"] = wait
            self.pause(request, time.monotonic() + wait)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        wait = request.meta.pop("retry_after_wait", None)
        if wait is None:
            wait = self.wait_asked(request, response)
            if wait is None:
                return response
            self.pause(request, time.monotonic() + wait)
        tries = request.meta.get("retry_after_times", 0) + 1
        host = urlparse_cached(request).netloc
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

    def pause(self, request: Request, until: float) -> None:
        """No request to the request's host leaves before `until` (time.monotonic, as Scrapy's
        download slots)."""
        host = urlparse_cached(request).netloc
        self.paused_until[host] = max(self.paused_until.get(host, 0.0), until)
        engine = getattr(self.crawler, "engine", None)
        slots = getattr(getattr(engine, "downloader", None), "slots", {})
        slot = slots.get(request.meta.get("download_slot"))
        if slot is not None:
            # Scrapy sends a queued request once `slot.delay` has passed since `lastseen`, and
            # checks only when the delay is non-zero.
            slot.delay = max(slot.delay, 0.001)
            slot.lastseen = max(slot.lastseen, until)


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
