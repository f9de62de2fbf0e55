"""Quality filters over cleaned frames (`source`, `doc_id`, `text`), thresholds per source.

Character shares (Hangul among letters, symbols, digits), Gopher-style repetition (duplicate
lines, most frequent word 2/3/4-gram) and length bounds, all as polars expressions over the
batch. Defaults keep colloquial reviews and comments (`ㅋㅋ`, `ㅠㅠ`, `^^`, short texts): the
share rules look only at documents with enough characters, and the repetition rules only at
documents with enough words (a three-word comment that repeats `ㅋㅋ`, or a chat whose
utterances repeat `응`, is not spam). Drop rates
per source are in bench/RESULTS.md. A document failing several rules counts under the first.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

import polars as pl

from corpus.cleaning import DropCounts


@dataclass(frozen=True)
class QualityConfig:
    enabled: bool = True
    min_chars: int = 0  # after cleaning (cleaning's --min-chars already applies to all)
    max_chars: int = 500_000
    min_hangul_share: float = 0.2  # Hangul (syllables and jamo) among letters
    max_symbol_ratio: float = 0.7  # not letter, digit or space, among non-space characters
    max_digit_ratio: float = 0.5  # digits among non-space characters
    share_min_chars: int = 10  # shorter documents skip the three share rules
    max_dup_line_fraction: float = 0.3  # Gopher: lines that repeat an earlier line
    max_dup_line_char_fraction: float = 0.2  # Gopher: characters in such lines
    max_top_2gram_fraction: float = 0.2  # Gopher: characters in the most frequent word 2-gram
    max_top_3gram_fraction: float = 0.18
    max_top_4gram_fraction: float = 0.16
    repetition_min_words: int = 50  # shorter documents skip the repetition rules (as Gopher)

    @classmethod
    def from_table(cls, table: dict, where: str) -> QualityConfig:
        """Build from a recipe table, naming an unknown key or a wrong type."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(table) - set(fields)
        if unknown:
            raise ValueError(f"{where}: unknown quality keys {sorted(unknown)} ({sorted(fields)})")
        values = {}
        for key, value in table.items():
            kind = type(getattr(cls(), key))
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if type(value) is not kind:
                raise ValueError(f"{where}: quality.{key} must be {kind.__name__}, not {value!r}")
            values[key] = value
        return cls(**values)


REASONS = (
    "quality_too_short",
    "quality_too_long",
    "low_hangul",
    "symbol_ratio",
    "digit_ratio",
    "repeated_lines",
    "repeated_ngrams",
)


def quality_reasons(frame: pl.DataFrame, configs: dict[str, QualityConfig]) -> pl.Series:
    """Per document: the first rule it fails (a name in REASONS), or null if it passes."""
    default = QualityConfig()

    def param(name: str) -> pl.Expr:
        mapping = {s: getattr(c, name) for s, c in configs.items()}
        return pl.col("source").replace_strict(
            mapping, default=getattr(default, name), return_dtype=pl.Float64
        )

    text = pl.col("text")
    chars = text.str.len_chars()
    non_space = (chars - text.str.count_matches(r"\s")).cast(pl.Float64)
    letters = text.str.count_matches(r"\p{L}").cast(pl.Float64)
    hangul = text.str.count_matches(r"\p{Hangul}").cast(pl.Float64)
    digits = text.str.count_matches(r"\p{Nd}").cast(pl.Float64)
    symbols = text.str.count_matches(r"[^\p{L}\p{N}\s]").cast(pl.Float64)
    shares_apply = chars >= param("share_min_chars")
    floor = min(c.repetition_min_words for c in configs.values()) if configs else 0
    repetition = _repetition(frame, floor)
    words_ok = pl.col("_words") >= param("repetition_min_words")
    rules = [
        ("quality_too_short", chars < param("min_chars")),
        ("quality_too_long", chars > param("max_chars")),
        (
            "low_hangul",
            shares_apply & (letters > 0) & (hangul / letters < param("min_hangul_share")),
        ),
        ("symbol_ratio", shares_apply & (symbols / non_space > param("max_symbol_ratio"))),
        ("digit_ratio", shares_apply & (digits / non_space > param("max_digit_ratio"))),
        (
            "repeated_lines",
            words_ok & (pl.col("_dup_lines") > param("max_dup_line_fraction"))
            | (pl.col("_dup_line_chars") > param("max_dup_line_char_fraction")),
        ),
        (
            "repeated_ngrams",
            words_ok
            & (
                (pl.col("_top2") > param("max_top_2gram_fraction"))
                | (pl.col("_top3") > param("max_top_3gram_fraction"))
                | (pl.col("_top4") > param("max_top_4gram_fraction"))
            ),
        ),
    ]
    enabled = param("enabled") > 0
    reason = pl.lit(None, dtype=pl.String)
    for name, failed in reversed(rules):
        reason = pl.when(enabled & failed.fill_null(False)).then(pl.lit(name)).otherwise(reason)
    return pl.concat([frame, repetition], how="horizontal").select(reason.alias("r")).to_series()


CHUNK_WORDS = 100_000  # words analysed at a time: bounds the n-gram tables of long documents


def _repetition(frame: pl.DataFrame, min_words: int = 0) -> pl.DataFrame:
    """Per document: duplicate-line fractions (by lines and characters), word count, and the
    share of word characters in the most frequent word 2-, 3- and 4-gram (Gopher). Documents
    under `min_words` words are counted but not analysed (most comments: the costly part);
    the others are analysed about CHUNK_WORDS words at a time."""
    words_per_doc = frame.select(pl.col("text").str.count_matches(r"\S+")).to_series()
    docs = (
        frame.select(pl.col("text"))
        .with_row_index("doc")
        .with_columns(words_per_doc.alias("words"))
        .filter(pl.col("words") >= max(min_words, 1))
    )
    chunk = (docs["words"].cum_sum() // CHUNK_WORDS).alias("chunk")
    parts = [
        _repetition_stats(part.drop("words", "chunk"))
        for part in docs.with_columns(chunk).partition_by("chunk", maintain_order=True)
    ]
    every = pl.DataFrame({"doc": pl.arange(0, frame.height, eager=True, dtype=pl.UInt32)})
    if parts:
        every = every.join(pl.concat(parts), on="doc", how="left")
    else:
        every = every.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(c)
            for c in ("_dup_lines", "_dup_line_chars", "_wchars", "_top2", "_top3", "_top4")
        )
    out = every.sort("doc").with_columns(
        pl.col("_dup_lines", "_dup_line_chars").fill_nan(0.0).fill_null(0.0),
        *(
            (pl.col(f"_top{n}").fill_null(0) / pl.col("_wchars")).alias(f"_top{n}")
            for n in (2, 3, 4)
        ),
        words_per_doc.alias("_words"),
    )
    return out.select("_dup_lines", "_dup_line_chars", "_words", "_top2", "_top3", "_top4")


def _repetition_stats(docs: pl.DataFrame) -> pl.DataFrame:
    """`doc`, duplicate-line fractions, word characters and the characters of the most
    frequent word 2/3/4-gram (counts, not yet fractions) of the given documents."""
    lines = (
        docs.select("doc", pl.col("text").str.split("\n").alias("line"))
        .explode("line")
        .with_columns(pl.col("line").str.len_chars().alias("len"))
    )
    counted = lines.group_by("doc", "line").agg(pl.len().alias("n"), pl.col("len").first())
    line_stats = counted.group_by("doc").agg(
        ((pl.col("n") - 1).sum() / pl.col("n").sum()).alias("_dup_lines"),
        (((pl.col("n") - 1) * pl.col("len")).sum() / (pl.col("n") * pl.col("len")).sum()).alias(
            "_dup_line_chars"
        ),
    )
    words = (
        docs.select("doc", pl.col("text").str.extract_all(r"\S+").alias("w"))
        .explode("w")
        .drop_nulls("w")
    )
    totals = words.group_by("doc").agg(pl.col("w").str.len_chars().sum().alias("_wchars"))
    out = docs.select("doc").join(line_stats, on="doc", how="left").join(totals, on="doc")
    for n in (2, 3, 4):
        grams = words.with_columns(
            pl.concat_str(
                [pl.col("w").shift(-i).over("doc") for i in range(n)], separator=" "
            ).alias("g")
        ).drop_nulls("g")
        top = (
            grams.group_by("doc", "g")
            .agg(pl.len().alias("c"))
            .filter(pl.col("c") > 1)
            .with_columns(((pl.col("g").str.len_chars() - (n - 1)) * pl.col("c")).alias("cc"))
            .group_by("doc")
            .agg(pl.col("cc").max().cast(pl.Float64).alias(f"_top{n}"))
        )
        out = out.join(top, on="doc", how="left")
    return out.with_columns(pl.col("_wchars").cast(pl.Float64))


def quality_filter(
    frame: pl.DataFrame, configs: dict[str, QualityConfig]
) -> tuple[pl.DataFrame, DropCounts]:
    """Drop documents failing a rule of their source's config; count drops per reason."""
    counts: DropCounts = Counter()
    if not frame.height or not any(c.enabled for c in configs.values()):
        return frame, counts
    reasons = quality_reasons(frame, configs)
    failed = reasons.is_not_null()
    if failed.any():
        dropped = frame.with_columns(reasons.alias("reason")).filter(failed)
        for source, reason, n in dropped.group_by("source", "reason").len().iter_rows():
            counts[(source, reason)] += n
    return frame.filter(~failed), counts
