"""Place lists from spider arguments: `places=ID,ID` and/or `places_file=FILE`."""

from __future__ import annotations

from pathlib import Path

from crawler.sources.base import Place


def read_places(places: str | None = None, places_file: str | None = None) -> list[Place]:
    """Ids from a comma list, then from a file of `id` or `id<TAB>name` lines (`#` comments);
    the first occurrence of an id wins."""
    found: list[Place] = []
    for part in (places or "").split(","):
        if part.strip():
            found.append(Place(part.strip()))
    if places_file:
        path = Path(places_file)
        if not path.is_file():
            raise ValueError(f"places file {path} does not exist")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            place_id, _, name = line.partition("\t")
            if not place_id.strip():
                raise ValueError(f"{path}:{number}: empty place id")
            found.append(Place(place_id.strip(), name.strip() or None))
    unique: dict[str, Place] = {}
    for place in found:
        unique.setdefault(place.place_id, place)
    return list(unique.values())
