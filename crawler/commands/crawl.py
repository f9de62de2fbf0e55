"""`scrapy crawl` for this project: Scrapy's command, plus what a scheduler needs from it.

- Bad spider arguments or settings (an unknown `-a` name, `-a max_pages=abc`, a missing sites
  file, an unreadable earlier part) end in one line `error: ...` on stderr and exit status 2,
  not a traceback.
- A crawl that wrote no reviews and rejected pages (DNS failure, every page refused, offsite,
  blocked) exits with status 1, and its last line says why; a crawl with nothing new to write
  (every place up to date) still exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler

from crawler.arguments import COMMON, SpiderArgumentError, check_arguments
from crawler.extensions import CrawlSummary
from crawler.logs import quiet_scrapy
from crawler.sources import ADAPTERS
from crawler.store import StoreError
from kosent_common.extras import MissingExtra
from kosent_common.verbosity import add_verbose_argument, verbose

# Raised while a crawl is set up, by our own code, for things the user can fix.
USER_ERRORS = (ValueError, StoreError, MissingExtra)


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider (kosent: one-line errors, exit 1 when nothing could be fetched)"

    def long_desc(self) -> str:
        own = "; ".join(
            f"{source}: {', '.join(adapter.options)}"
            for source, adapter in sorted(ADAPTERS.items())
            if adapter.options
        )
        return (
            "Run a spider. The reviews spider (kosent-crawl = scrapy crawl reviews) takes "
            f"-a NAME=VALUE for NAME in {', '.join(COMMON)} ({own}); any other name is an "
            "error. Settings (-s NAME=VALUE): crawler/settings.py. Exit status 2: bad "
            "arguments; 1: the crawl wrote nothing and rejected pages (the last line says why)."
        )

    def fail(self, message: str, status: int) -> None:
        print(f"error: {message}", file=sys.stderr, flush=True)
        self.exitcode = status

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_verbose_argument(parser)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check the reviews spider's arguments before Scrapy starts logging."""
        super().process_options(args, opts)
        if not verbose(opts.verbose):
            quiet_scrapy(self.settings)
        if args == ["reviews"]:
            try:
                check_arguments(opts.spargs)
            except SpiderArgumentError as err:
                self.fail(str(err), 2)
                sys.exit(2)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)
            return
        assert self.crawler_process
        try:
            crawler = self._create_crawler(args[0])
        except USER_ERRORS as err:
            self.fail(str(err), 2)
            return
        errors: list[BaseException] = []
        running = self.crawler_process.crawl(crawler, **opts.spargs)
        if isinstance(running, asyncio.Future):
            running.add_done_callback(lambda task: _keep_error(task, errors))
        else:  # a Twisted Deferred (CrawlerProcess)
            running.addErrback(lambda failure: errors.append(failure.value))
        self.crawler_process.start()
        if errors:
            error = errors[0]
            if isinstance(error, USER_ERRORS):
                self.fail(str(error), 2)
            else:
                traceback.print_exception(error)
                self.fail(f"the crawl could not start: {error!r}", 1)
            return
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        if failure := crawl_failure(crawler):
            self.fail(failure, 1)


def _keep_error(task: asyncio.Future, errors: list[BaseException]) -> None:
    """Take a failed setup's exception (so asyncio does not print it as a traceback)."""
    if not task.cancelled() and task.exception() is not None:
        errors.append(task.exception())


def crawl_failure(crawler: Crawler) -> str | None:
    """Why the crawl counts as failed, from its CrawlSummary, or None."""
    for extension in getattr(crawler.extensions, "middlewares", ()):
        if isinstance(extension, CrawlSummary) and extension.summary is not None:
            return extension.summary.get("failed")
    return None
