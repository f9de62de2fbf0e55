"""A review site described in TOML instead of code: URL template, selectors, paging.

    [sites.NAME]
    url = "https://host/places/{place_id}/reviews?page={page}"
    format = "html"                         # or "json"
    first_page = 1
    newest_first = true
    reviews = "css:article.review"          # css:..., xpath:... or jmespath:... (json)
    review_id = "xpath:@data-id"
    text = "css:p.text ::text"              # all matches joined with a space
    rating = "css:span.stars::text"         # optional; times rating_scale
    rating_scale = 1.0
    written_at = "css:time::attr(datetime)" # optional
    place_name = "css:h1::text"             # optional, on the whole page
    next_page = "css:a[rel=next]::attr(href)"  # optional: else page+1 while a page has reviews
    allowed_hosts = ["img.host"]            # optional: more hosts the crawl may reach

Requests go only to the host and port of `url` (after `{base_url}` is filled in) and those of
`allowed_hosts` (`HOST` for ports 80 and 443, `HOST:PORT`, or a URL): a next-page link or a
redirect anywhere else is dropped, counted (stat `offsite/dropped`) and written to the rejects
file with the reason `offsite`.

Select a site with `-a source=generic -a site=NAME [-a sites_file=FILE]`; the default file is
the setting GENERIC_SITES_FILE. Base URLs of a site may be overridden with the setting
GENERIC_BASE_URLS = {NAME: URL}, which replaces `{base_url}` in `url`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from parsel import Selector, SelectorList
from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings

from crawler.hosts import Origin, allowed_origins, origin_of
from crawler.items import ReviewItem
from crawler.sources.base import (
    Adapter,
    MalformedPage,
    Page,
    Place,
    html_with_line_breaks,
    join_text,
    parse_date,
)

_KINDS = ("css:", "xpath:", "jmespath:")


@dataclass(frozen=True)
class SiteSpec:
    name: str
    url: str
    reviews: str
    review_id: str
    text: str
    format: str = "html"
    first_page: int = 1
    newest_first: bool = True
    rating: str | None = None
    rating_scale: float = 1.0
    written_at: str | None = None
    place_name: str | None = None
    next_page: str | None = None
    base_url: str | None = None
    allowed_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.format not in ("html", "json"):
            raise ValueError(
                f"site {self.name!r}: format must be 'html' or 'json', not {self.format!r}"
            )
        for key in (
            "reviews",
            "review_id",
            "text",
            "rating",
            "written_at",
            "place_name",
            "next_page",
        ):
            expression = getattr(self, key)
            if expression is not None and not expression.startswith(_KINDS):
                raise ValueError(
                    f"site {self.name!r}: {key} = {expression!r} must start with one of {_KINDS}"
                )
        if "{place_id}" not in self.url:
            raise ValueError(f"site {self.name!r}: url needs a {{place_id}} placeholder")
        if isinstance(self.allowed_hosts, str) or not all(
            isinstance(host, str) for host in self.allowed_hosts
        ):
            raise ValueError(f"site {self.name!r}: allowed_hosts must be a list of host names")
        object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts))
        allowed_origins([], list(self.allowed_hosts))  # each entry must parse


def load_generic_sites(path: Path) -> dict[str, SiteSpec]:
    """Every `[sites.NAME]` table of a TOML file, checked; unknown keys are errors."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"cannot read generic sites file {path}: {err}") from err
    known = {f.name for f in fields(SiteSpec)} - {"name"}
    sites = {}
    for name, table in data.get("sites", {}).items():
        unknown = sorted(set(table) - known)
        if unknown:
            raise ValueError(
                f"{path}: site {name!r} has unknown keys {unknown}; known: {sorted(known)}"
            )
        try:
            sites[name] = SiteSpec(name=name, **table)
        except TypeError as err:
            raise ValueError(f"{path}: site {name!r}: {err}") from err
    return sites


def select(selector: Selector, expression: str) -> SelectorList:
    kind, _, query = expression.partition(":")
    if kind == "css":
        return selector.css(query)
    if kind == "xpath":
        return selector.xpath(query)
    return selector.jmespath(query)


def extract_text(selector: Selector, expression: str) -> str | None:
    """All matches joined (HTML text nodes), or the single value (JSON)."""
    values = [value for value in select(selector, expression).getall() if value is not None]
    if not values:
        return None
    if selector.type == "json":
        return " ".join(str(value) for value in values).strip()
    return join_text([str(value) for value in values])


class GenericAdapter(Adapter):
    name = "generic"
    options = ("site", "sites_file")

    def __init__(
        self,
        settings: BaseSettings,
        site: str | None = None,
        sites_file: str | None = None,
        **options: str,
    ) -> None:
        super().__init__(settings)
        sites_file = sites_file or settings.get("GENERIC_SITES_FILE")
        if not site or not sites_file:
            raise ValueError(
                "source=generic needs -a site=NAME and a sites file "
                "(-a sites_file=FILE or the setting GENERIC_SITES_FILE)"
            )
        sites = load_generic_sites(Path(sites_file))
        if site not in sites:
            raise ValueError(f"site {site!r} is not in {sites_file}; it has {sorted(sites)}")
        spec = sites[site]
        base = (settings.getdict("GENERIC_BASE_URLS") or {}).get(site, spec.base_url)
        self.spec = spec
        self.url = spec.url.replace("{base_url}", (base or "").rstrip("/"))
        self.newest_first = spec.newest_first
        if origin_of(self.url) is None:
            raise ValueError(
                f"site {site!r}: url {self.url!r} has no http(s) host; set base_url in "
                f"{sites_file} or the setting GENERIC_BASE_URLS"
            )

    def base_urls(self) -> list[str]:
        return [self.url]

    def allowed_origins(self) -> frozenset[Origin]:
        return allowed_origins(self.base_urls(), list(self.spec.allowed_hosts))

    def review_request(self, place: Place, cursor: Any) -> Request:
        if isinstance(cursor, str):  # a next-page URL read from the previous page
            return Request(cursor)
        page = self.spec.first_page if cursor is None else cursor
        return Request(self.url.format(place_id=place.place_id, page=page))

    def parse_reviews(self, response: Response, place: Place) -> Page:
        cursor = response.meta.get("cursor")
        page_number = cursor if isinstance(cursor, int) else self.spec.first_page
        return parse_generic_page(self.spec, response.text, response.url, place, page_number)


def parse_generic_page(spec: SiteSpec, body: str, url: str, place: Place, page_number: int) -> Page:
    try:
        root = Selector(
            text=body if spec.format == "json" else html_with_line_breaks(body), type=spec.format
        )
    except ValueError as err:
        raise MalformedPage(
            "malformed_json" if spec.format == "json" else "unexpected_html", str(err)
        ) from err
    name = extract_text(root, spec.place_name) if spec.place_name else None
    page = Page(reviews=[])
    for position, block in enumerate(select(root, spec.reviews)):
        review_id = extract_text(block, spec.review_id)
        text = extract_text(block, spec.text)
        if not review_id or text is None:
            page.rejects.append(
                ("missing_field", f"review #{position} on {url}: {str(block.get())[:200]}")
            )
            continue
        rating = extract_text(block, spec.rating) if spec.rating else None
        try:
            rating_value = float(rating) * spec.rating_scale if rating else None
        except ValueError:
            rating_value = None
        page.reviews.append(
            ReviewItem(
                source=spec.name,
                place_id=place.place_id,
                place_name=place.name or name,
                review_id=review_id,
                text=text,
                rating=rating_value,
                written_at=parse_date(extract_text(block, spec.written_at))
                if spec.written_at
                else None,
                url=url,
            )
        )
    if spec.next_page:
        link = select(root, spec.next_page).get()
        page.next_cursor = urljoin(url, link) if link else None
    elif page.reviews or page.rejects:
        page.next_cursor = page_number + 1
    return page
