"""Near-duplicates planted from real texts: the noise model bench.corpus_quality measures the
near-duplicate filter with, and tests/corpus/test_neardup.py tests it with."""

from __future__ import annotations

import random

HANGUL = [chr(c) for c in range(0xAC00, 0xD7A4)]


def edit(text: str, fraction: float, rng: random.Random) -> str:
    """About `fraction` of the characters substituted, inserted or deleted (Hangul syllables)."""
    chars = list(text)
    for _ in range(max(1, round(len(chars) * fraction))):
        i, op = rng.randrange(len(chars)), rng.random()
        if op < 0.5:
            chars[i] = rng.choice(HANGUL)
        elif op < 0.75:
            chars.insert(i, rng.choice(HANGUL))
        elif len(chars) > 1:
            del chars[i]
    return "".join(chars)


def variants(originals: list[str], rng: random.Random) -> list[str]:
    """One near-duplicate per text, three kinds in turn."""
    out = []
    for n, text in enumerate(originals):
        kind = n % 3
        if kind == 0:  # 1-10% of the characters edited
            out.append(edit(text, rng.uniform(0.01, 0.10), rng))
        elif kind == 1:  # sentences reordered (or a 5% edit for one-sentence texts)
            parts = [p.strip() for p in text.replace("!", ".").split(".") if p.strip()]
            out.append(". ".join(reversed(parts)) if len(parts) > 1 else edit(text, 0.05, rng))
        else:  # emoticons added
            out.append(
                rng.choice(["ㅋㅋ ", "ㅠㅠ ", ""]) + text + rng.choice([" ㅋㅋㅋ", " ^^", " 👍"])
            )
    return out
