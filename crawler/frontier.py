"""A crawl frontier shared by several `scrapy crawl reviews` processes, in Redis (scrapy-redis).

    scrapy crawl reviews -a source=kakao -a places_file=P \\
        -s REVIEWS_FRONTIER=redis://HOST:6379/0 -s REVIEWS_FRONTIER_JOB=kakao-2026-11

Start as many workers as you like, on any machines, with the same arguments: scrapy-redis's
scheduler keeps the pending pages in `<job>:requests` and its dupefilter (`<job>:dupefilter`)
gives each page to one worker; the review ids written in this job are the Redis set
`<job>:seen:<source>`, so no review is written twice across workers. Use a new job name for a
re-crawl (the dupefilter remembers every page of the old one). scrapy-redis's RedisSpider is
not used: it still defines start_requests(), which Scrapy 2.16+ no longer calls; our spider's
own `async def start()` seeds the places and the shared dupefilter drops the seeds that
another worker already queued. The scheduler is `crawler.frontier_scheduler` (the redis extra).

Limits: a place's pages are spread over workers, so no worker can tell when a place is
finished; frontier crawls do not record finished places (a later crawl walks every page of
them and writes only unseen reviews). A worker killed mid-run loses its unwritten part; its ids
are already in the job's seen set, so re-crawl those places under a new job name.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from kosent_common.extras import require


class FrontierError(ValueError):
    pass


def frontier_settings(settings: BaseSettings) -> None:
    """Switch the scheduler and dupefilter to scrapy-redis when REVIEWS_FRONTIER is set."""
    url = settings.get("REVIEWS_FRONTIER")
    if not url:
        return
    require("redis", "REVIEWS_FRONTIER (a shared frontier)")
    job = settings.get("REVIEWS_FRONTIER_JOB")
    if not job:
        raise FrontierError(
            "REVIEWS_FRONTIER needs -s REVIEWS_FRONTIER_JOB=NAME: the same name for every worker "
            "of one crawl, a new one for a re-crawl"
        )
    for key, value in {
        "SCHEDULER": "crawler.frontier_scheduler.FrontierScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": url,
        "SCHEDULER_PERSIST": True,  # one worker closing must not clear the others' queue
        "SCHEDULER_QUEUE_KEY": f"{job}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{job}:dupefilter",
        # A worker pulls requests while it has free download capacity; with the project's 16
        # against a per-site limit of 2 it would hoard the shared queue (seen: one worker of
        # three took every page). A crawl job is one site, so take no more than that site's limit.
        "CONCURRENT_REQUESTS": settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
    }.items():
        settings.set(key, value, priority="spider")


def seen_key(settings: BaseSettings, source: str) -> str:
    return f"{settings.get('REVIEWS_FRONTIER_JOB')}:seen:{source}"
