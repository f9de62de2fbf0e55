"""One reader per source format; each yields Documents and reports Rejects."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.readers.kcbert import read_kcbert
from corpus.readers.kcc import read_kcc
from corpus.readers.modu import read_modu
from corpus.readers.nsmc import read_nsmc
from corpus.readers.reviews import read_reviews
from corpus.readers.wiki import read_wiki
from corpus.schema import Document, Reject

Reader = Callable[[Path, str, Callable[[Reject], None]], Iterator[Document]]

READERS: dict[str, Reader] = {
    "reviews": read_reviews,
    "kcbert": read_kcbert,
    "wiki": read_wiki,
    "kcc": read_kcc,
    "nsmc": read_nsmc,
    "modu_spoken": read_modu,
    "modu_written": read_modu,
    "modu_newspaper": read_modu,
    "modu_messenger": read_modu,
    "modu_web": read_modu,
}
