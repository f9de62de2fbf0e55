"""Which hosts a crawl may talk to: host and port pairs from base URLs and allowed-host lists."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    host: str  # lower case, no brackets around IPv6
    port: int

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def origin_of(url: str) -> Origin | None:
    """The host and port a URL is fetched from (default port by scheme), or None when the URL
    has no host or an unknown scheme."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.scheme not in DEFAULT_PORTS:
        return None
    return Origin(parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme])


def allowed_origins(base_urls: list[str | None], hosts: list[str] = ()) -> frozenset[Origin]:
    """Origins of the given base URLs (URL templates are fine: only scheme, host and port are
    read) plus `hosts` entries: `host` (ports 80 and 443), `host:port` or a URL."""
    found: set[Origin] = set()
    for url in base_urls:
        if url and (origin := origin_of(url)):
            found.add(origin)
    for entry in hosts:
        entry = entry.strip()
        if "://" in entry:
            origin = origin_of(entry)
            if origin is None:
                raise ValueError(f"allowed host {entry!r} is not an http(s) URL")
            found.add(origin)
            continue
        parts = urlsplit(f"//{entry}")
        try:
            port = parts.port
        except ValueError as err:
            raise ValueError(f"allowed host {entry!r}: {err}") from err
        if not parts.hostname or parts.path or parts.query:
            raise ValueError(f"allowed host {entry!r} must be HOST or HOST:PORT")
        ports = [port] if port else list(DEFAULT_PORTS.values())
        found.update(Origin(parts.hostname.lower(), p) for p in ports)
    return frozenset(found)
