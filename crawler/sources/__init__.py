"""Source adapters: one module per review site, selected with `-a source=NAME`."""

from __future__ import annotations

from crawler.sources.base import Adapter, MalformedPage, Page, Place
from crawler.sources.diningcode import DiningcodeAdapter
from crawler.sources.generic import GenericAdapter, load_generic_sites
from crawler.sources.kakao import KakaoAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    "kakao": KakaoAdapter,
    "diningcode": DiningcodeAdapter,
    "generic": GenericAdapter,
}

__all__ = ["ADAPTERS", "Adapter", "MalformedPage", "Page", "Place", "load_generic_sites"]
