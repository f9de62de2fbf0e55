"""The Vocab contract: BERT-format `vocab.txt` with [PAD]=0 and the ELECTRA special tokens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from kosent_common.electra import MAX_POSITIONS
from kosent_common.manifest import Manifest

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# tokenizer_config.json of every tokenizer folder we write (vocab stage and model export).
TOKENIZER_CONFIG = {
    "tokenizer_class": "ElectraTokenizer",
    # Lowercasing applies NFD and strips accents, which turns Hangul into [UNK].
    "do_lower_case": False,
    "strip_accents": False,
    "tokenize_chinese_chars": True,
    "clean_up_tokenization_spaces": False,
    "model_max_length": MAX_POSITIONS,
    "pad_token": "[PAD]",
    "unk_token": "[UNK]",
    "cls_token": "[CLS]",
    "sep_token": "[SEP]",
    "mask_token": "[MASK]",
}
SPECIAL_TOKENS_MAP = {k: v for k, v in TOKENIZER_CONFIG.items() if k.endswith("_token")}


class VocabError(ValueError):
    """A vocabulary file that cannot be used; the message says what is wrong."""


def unused_tokens(count: int) -> list[str]:
    return [f"[unused{i}]" for i in range(count)]


def read_vocab(path: Path) -> list[str]:
    """Read and validate a vocab.txt: one token per line, specials present, [PAD] first."""
    path = Path(path)
    try:
        tokens = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as err:
        raise VocabError(f"vocab file {path} does not exist") from err
    except UnicodeDecodeError as err:
        raise VocabError(
            f"vocab file {path} is not UTF-8 ({err.reason} at byte {err.start})"
        ) from err
    if tokens and tokens[-1] == "":
        tokens = tokens[:-1]
    problems = []
    empty = [i + 1 for i, t in enumerate(tokens) if not t.strip()]
    if empty:
        problems.append(f"empty tokens on lines {empty[:5]}")
    seen: dict[str, int] = {}
    duplicates = []
    for line_no, token in enumerate(tokens, start=1):
        if token in seen:
            duplicates.append(f"{token!r} (lines {seen[token]} and {line_no})")
        seen.setdefault(token, line_no)
    if duplicates:
        problems.append(f"{len(duplicates)} duplicate tokens, e.g. {', '.join(duplicates[:3])}")
    missing = [t for t in SPECIAL_TOKENS if t not in seen]
    if missing:
        problems.append(f"missing special tokens {missing}")
    if tokens and tokens[0] != "[PAD]":
        problems.append(f"[PAD] must have id 0 (line 1 is {tokens[0]!r})")
    if problems:
        raise VocabError(f"vocab file {path}: " + "; ".join(problems))
    return tokens


@dataclass(kw_only=True)
class VocabManifest(Manifest):
    """report.json of a vocab folder: what the vocabulary was built from and how well it fits
    held-out text (its keys are what they always were, plus `version` and the corpus)."""

    FILE: ClassVar[str] = "report.json"
    WRITTEN_BY: ClassVar[str] = "python -m vocab.build"

    heldout_sentences: int = 0
    tokens: int = 0
    unk_rate: float = 0.0
    tokens_per_sentence: float = 0.0
    characters_per_token: float = 0.0
    single_character_token_share: float = 0.0
    vocab_size: int
    requested_vocab_size: int | None = None
    external_vocab: str | None = None
    limit_alphabet: int | None = None
    min_frequency: int | None = None
    corpus_shards: int = 0
    vocab_sha256: str
    corpus: str | None = None  # the corpus folder
    corpus_recipe: str | None = None  # from its manifest, when it has one
    do_lower_case: bool = TOKENIZER_CONFIG["do_lower_case"]
    max_length: int = MAX_POSITIONS  # model_max_length in tokenizer_config.json
    # what it was built from (options, shards' paths, sizes and mtimes): a rerun on the same
    # inputs reuses the vocabulary instead of training it again
    inputs_fingerprint: str | None = None
    build_options: dict | None = None  # the options in that fingerprint, to name a change
