"""Quiet by default: Scrapy's start-up and shutdown dumps (versions, overridden settings, every
enabled component, the stats dict) are left out of a crawl's log unless `--verbose` (or
KOSENT_VERBOSE=1); warnings, errors, the periodic progress line and the crawl's own summary stay.
"""

from __future__ import annotations

import logging

from scrapy.settings import Settings

# Scrapy's loggers whose INFO lines are the component and settings dumps
DUMP_LOGGERS = (
    "scrapy.utils.log",  # "Scrapy x started", "Versions: {...}"
    "scrapy.addons",  # "Enabled addons: [...]"
    "scrapy.crawler",  # "Overridden settings: {...}"
    "scrapy.middleware",  # "Enabled extensions / middlewares / item pipelines: [...]"
    "scrapy.core.engine",  # "Spider opened", "Closing spider", "Spider closed"
)


class _WarningsOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def quiet_scrapy(settings: Settings) -> None:
    """Before the crawler process starts: drop the dumps (a logger's filters outlive
    Scrapy's logging set-up, which resets its loggers' levels)."""
    settings.set("LOG_VERSIONS", [], priority="project")
    settings.set("STATS_DUMP", False, priority="project")  # the summary line says what counts
    for name in DUMP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _WarningsOnly) for f in logger.filters):
            logger.addFilter(_WarningsOnly())
