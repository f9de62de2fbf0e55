"""The shared frontier's scheduler (crawler.frontier): scrapy-redis's, from the redis extra."""

from __future__ import annotations

from scrapy import Request
from scrapy_redis.scheduler import Scheduler as RedisScheduler


class FrontierScheduler(RedisScheduler):
    """scrapy-redis's scheduler without the `spider=` stats argument Scrapy 2.19 deprecates."""

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
