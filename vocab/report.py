"""How well a vocabulary fits held-out text: UNK rate, tokens per sentence, and more."""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import BertWordPieceTokenizer


def measure(
    tokenizer: BertWordPieceTokenizer, sentences: Iterable[str], batch_size: int = 2048
) -> dict:
    n_sentences = n_tokens = n_unk = n_single = n_chars = 0
    unk_id = tokenizer.token_to_id("[UNK]")
    batch: list[str] = []

    def consume(batch: list[str]) -> None:
        nonlocal n_sentences, n_tokens, n_unk, n_single, n_chars
        for sentence, encoding in zip(
            batch, tokenizer.encode_batch(batch, add_special_tokens=False), strict=True
        ):
            n_sentences += 1
            n_chars += len(sentence.replace(" ", ""))
            n_tokens += len(encoding.ids)
            n_unk += sum(1 for i in encoding.ids if i == unk_id)
            n_single += sum(1 for t in encoding.tokens if len(t.removeprefix("##")) == 1)

    for sentence in sentences:
        batch.append(sentence)
        if len(batch) >= batch_size:
            consume(batch)
            batch = []
    if batch:
        consume(batch)
    return {
        "heldout_sentences": n_sentences,
        "tokens": n_tokens,
        "unk_rate": n_unk / n_tokens if n_tokens else 0.0,
        "tokens_per_sentence": n_tokens / n_sentences if n_sentences else 0.0,
        "characters_per_token": n_chars / n_tokens if n_tokens else 0.0,
        "single_character_token_share": n_single / n_tokens if n_tokens else 0.0,
    }
