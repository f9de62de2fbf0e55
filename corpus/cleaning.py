"""Cleaning steps over polars frames (`source`, `doc_id`, `text`).

Each step is a pure function frame -> frame; steps that drop documents also return how many
they dropped per (source, reason), so every number in the manifest comes from the step that
caused it. Order (see `clean_frame`): NFC, PII, news boilerplate, character filter, repeats,
whitespace, minimum length.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from kosent_common.pii import PII_PATTERN, PII_REPLACEMENT_POLARS

DropCounts = Counter  # (source, reason) -> documents dropped


@dataclass(frozen=True)
class CleaningConfig:
    keep_emoji: bool = True  # emoji carry sentiment (KcBERT keeps them too)
    keep_hanja: bool = True
    min_chars: int = 4
    max_repeat: int = 2  # ㅋㅋㅋㅋ -> ㅋㅋ ; digits are never collapsed


# News boilerplate: "(서울=연합뉴스) 홍길동 기자 =", "무단전재 및 재배포 금지", "저작권자 ⓒ ...".
NEWS_BOILERPLATE = (
    r"\([가-힣]{1,10}\s?=\s?[가-힣A-Za-z0-9]{1,10}\)"
    r"|[가-힣]{2,4}\s?(?:기자|특파원)\s?="
    r"|(?:<?\s?저작권자\s?)?[ⓒ©]\s?[^\n]{0,30}?무단\s?전재[^\n]{0,30}?금지\s?>?"
    r"|무단\s?전재\s?(?:및|&|,)?\s?재배포\s?금지"
)

_HANGUL = "가-힣ㄱ-ㅎㅏ-ㅣ"
_ASCII = r"\x20-\x7E"
_PUNCT = "·…‘’“”「」『』《》〈〉【】〔〕～℃№ㆍ￦"
_EMOJI = r"\p{Extended_Pictographic}\x{200D}\x{FE0F}\x{1F3FB}-\x{1F3FF}"
_HANJA = r"\p{Han}"


def disallowed_characters(config: CleaningConfig) -> str:
    """Regex class of characters the KcBERT-style filter removes."""
    keep = _HANGUL + _ASCII + "\n" + _PUNCT
    if config.keep_emoji:
        keep += _EMOJI
    if config.keep_hanja:
        keep += _HANJA
    return f"[^{keep}]"


# NFKC only for full-width ASCII and the ideographic space; NFKC on everything would turn
# compatibility jamo (ㅋㅋ) into conjoining jamo.
_FULLWIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALFWIDTH = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]


def normalize_unicode(frame: pl.DataFrame) -> pl.DataFrame:
    """NFC (composes Hangul, keeps ㅋㅋ), then full-width ASCII to ASCII."""
    text = pl.col("text").str.normalize("NFC").str.replace_many(_FULLWIDTH, _HALFWIDTH)
    return frame.with_columns(text)


def remove_pii(frame: pl.DataFrame) -> pl.DataFrame:
    """The crawler's patterns (kosent_common.pii); numbers glued to Hangul particles included."""
    return frame.with_columns(pl.col("text").str.replace_all(PII_PATTERN, PII_REPLACEMENT_POLARS))


def remove_news_boilerplate(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("text").str.replace_all(NEWS_BOILERPLATE, " "))


def filter_characters(frame: pl.DataFrame, config: CleaningConfig) -> pl.DataFrame:
    return frame.with_columns(pl.col("text").str.replace_all(disallowed_characters(config), " "))


def collapse_repeats_in_text(text: str, max_repeat: int = 2) -> str:
    """Runs of one non-digit character longer than `max_repeat` shrink to `max_repeat`.

    Unlike soynlp's `repeat_normalize` (KcBERT's `clean()`), digits are never touched
    (`10000원` stays) and only the repeated character shrinks (`대박ㅋㅋㅋㅋ` -> `대박ㅋㅋ`).
    Dots keep an ellipsis: `.....` -> `...`.
    """
    text = _DOT_RUN.sub("...", text)
    return _repeat_run(max_repeat).sub(lambda m: m.group(1) * max_repeat, text)


_DOT_RUN = re.compile(r"\.{4,}")
_REPEAT_RUNS: dict[int, re.Pattern] = {}


def _repeat_run(max_repeat: int) -> re.Pattern:
    if max_repeat not in _REPEAT_RUNS:
        # Any character but digits, dots and whitespace (whitespace has its own step).
        _REPEAT_RUNS[max_repeat] = re.compile(rf"([^\d.\s])\1{{{max_repeat},}}")
    return _REPEAT_RUNS[max_repeat]


def collapse_repeats(frame: pl.DataFrame, config: CleaningConfig) -> pl.DataFrame:
    # Back-references are not in polars' regex engine: Python `re`, one batch at a time.
    def collapse(texts: pl.Series) -> pl.Series:
        return pl.Series(
            [collapse_repeats_in_text(t, config.max_repeat) for t in texts], dtype=pl.String
        )

    return frame.with_columns(pl.col("text").map_batches(collapse, return_dtype=pl.String))


def normalize_whitespace(frame: pl.DataFrame) -> pl.DataFrame:
    """One space between words; no blank, leading or trailing space in lines; no empty lines."""
    text = (
        pl.col("text")
        .str.replace_all(r"\r\n?", "\n")
        .str.replace_all(r"[^\S\n]+", " ")
        .str.replace_all(r" ?\n[\s]*", "\n")
        .str.strip_chars()
    )
    return frame.with_columns(text)


def drop_short(frame: pl.DataFrame, min_chars: int) -> tuple[pl.DataFrame, DropCounts]:
    too_short = pl.col("text").str.len_chars() < min_chars
    return _drop(frame, too_short, "too_short")


def clean_frame(frame: pl.DataFrame, config: CleaningConfig) -> tuple[pl.DataFrame, DropCounts]:
    """All cleaning steps in order; returns the kept documents and the drops by reason."""
    frame = normalize_unicode(frame)
    frame = remove_pii(frame)
    frame = remove_news_boilerplate(frame)
    frame = filter_characters(frame, config)
    frame = collapse_repeats(frame, config)
    frame = normalize_whitespace(frame)
    return drop_short(frame, config.min_chars)


def _drop(frame: pl.DataFrame, condition: pl.Expr, reason: str) -> tuple[pl.DataFrame, DropCounts]:
    dropped = frame.filter(condition)
    counts: DropCounts = Counter()
    if dropped.height:
        for source, n in dropped.group_by("source").len().iter_rows():
            counts[(source, reason)] += n
    return frame.filter(~condition), counts
