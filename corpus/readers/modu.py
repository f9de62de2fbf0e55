"""Modu (NIKL) corpora: one JSON object per file, `{id, metadata, document: [...]}`.

Spoken and messenger documents are conversations (`utterance[].form`); written, newspaper
and web documents are `paragraph[].form` (the body key each source's entry in
corpus.sources.SOURCES passes). Lines are joined by newlines; inline transcription
markup (`{laughing}`, `&name&`, `((xx))`, `(())`) is removed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.schema import Document, Reject

MAX_FILE_BYTES = 512 << 20

# {laughing} {cough}: sound events; &name& &address&: anonymised spans; ((xx)): unclear speech.
_MARKUP = re.compile(
    r"[ \t]*"
    r"(?:\{[^{}\n]{0,40}\}|&[^&\s]{1,20}&|\(\([^()\n]{0,40}\)\))"
    r"[ \t]*"
)


def strip_modu_markup(form: str) -> str:
    """Remove markup and the spaces around it (one space stays); other spacing is untouched."""
    return _MARKUP.sub(" ", form).strip()


def read_modu(
    path: Path, source: str, reject: Callable[[Reject], None], body_key: str
) -> Iterator[Document]:
    """`body_key`: "utterance" or "paragraph", as the source's registry entry says."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        reject(
            Reject(
                source,
                str(path),
                "file",
                "file_too_large",
                f"{size} bytes > {MAX_FILE_BYTES}: not a Modu document file",
            )
        )
        return
    try:
        with open(path, "rb") as handle:
            corpus = json.loads(handle.read().decode("utf-8"))
        documents = corpus["document"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
        reject(Reject(source, str(path), "file", "malformed_json", f"{type(err).__name__}: {err}"))
        return
    for index, document in enumerate(documents):
        try:
            doc_id = str(document["id"])
            forms = [strip_modu_markup(item["form"]) for item in document[body_key]]
        except (KeyError, TypeError) as err:
            reject(
                Reject(
                    source,
                    str(path),
                    f"document {index}",
                    "malformed_document",
                    f"missing {err} (expected {body_key}[].form)",
                )
            )
            continue
        text = "\n".join(form for form in forms if form)
        yield Document(source, doc_id, text, {"file": path.name})
