"""The spider's `-a NAME=VALUE` arguments, checked before anything is crawled: an unknown name
(a typo such as `max_page=3`) or a value of the wrong kind is an error, not silently ignored."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from crawler.sources import ADAPTERS

COMMON = {
    "source": "the site to crawl: " + " | ".join(sorted(ADAPTERS)),
    "places": "place ids, comma separated",
    "places_file": "a file of `id` or `id<TAB>name` lines",
    "query": "a search query (sources with a search list)",
    "max_pages": "review pages per place at most (a whole number >= 1)",
    "max_search_pages": "search pages at most (a whole number >= 1, default 10)",
}
# Passed by scrapyd (scrapy.cfg's [deploy]) to every spider it runs.
SCRAPYD = ("_job",)


class SpiderArgumentError(ValueError):
    """A spider argument that cannot be used; the message says what to pass instead."""


@dataclass(frozen=True)
class SpiderArguments:
    source: str
    places: str | None
    places_file: str | None
    query: str | None
    max_pages: int | None
    max_search_pages: int
    adapter_options: dict[str, str]


def positive_int(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise SpiderArgumentError(f"-a {name}={value}: must be a whole number >= 1")
    return number


def check_arguments(arguments: dict[str, str]) -> SpiderArguments:
    """The arguments of one crawl, or SpiderArgumentError naming the first bad one."""
    source = arguments.get("source")
    if source not in ADAPTERS:
        raise SpiderArgumentError(f"-a source= must be one of {sorted(ADAPTERS)}, not {source!r}")
    own = ADAPTERS[source].options
    known = [*COMMON, *own]
    for name in arguments:
        if name in known or name in SCRAPYD:
            continue
        others = sorted(s for s, adapter in ADAPTERS.items() if name in adapter.options)
        if others:
            raise SpiderArgumentError(
                f"-a {name}= is an argument of source {' or '.join(others)}, not of {source}"
            )
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise SpiderArgumentError(
            f"unknown spider argument -a {name}=...{hint}; known: {', '.join(known)}"
        )
    parsed = SpiderArguments(
        source=source,
        places=arguments.get("places"),
        places_file=arguments.get("places_file"),
        query=arguments.get("query"),
        max_pages=positive_int("max_pages", arguments.get("max_pages")),
        max_search_pages=positive_int("max_search_pages", arguments.get("max_search_pages")) or 10,
        adapter_options={name: arguments[name] for name in own if name in arguments},
    )
    if not parsed.places and not parsed.places_file and not parsed.query:
        raise SpiderArgumentError(
            "nothing to crawl: pass -a places=ID,ID, -a places_file=FILE or -a query=TEXT"
        )
    return parsed
