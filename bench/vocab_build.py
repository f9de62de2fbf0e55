"""What a deterministic vocabulary costs: `vocab.build` as shipped (a scan that fixes the
alphabet and every id, then the trainer) against the same command with `tokenizers`' trainer
alone (the vocab.build before the scan), on corpora of real Korean text at several sizes.

    python -m bench.vocab_build --prepare /tmp/vb/c40 --mb 40   # corpus of real lines
    python -m bench.vocab_build --upstream --corpus C --out O --vocab-size 32000

Each time farm-bench pairs `python -m vocab.build ... --overwrite` (A) with the `--upstream`
form (B); bench/RESULTS.md has the commands and figures. `--prepare` recombines real lines of
../shared/data (`bench.common.corpus_inputs.real_lines`: NSMC reviews, news comments, chatbot
dialogues, Wikinews and book reviews): each corpus line is two real lines joined, seeded,
documents of 1-8 lines, so the vocabulary sees the real character and word distribution at any
size. `--upstream` leaves bench.common unimported: its start-up is timed against vocab.build's.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SHARD_BYTES = 8 << 20


def prepare(out: Path, megabytes: float, shared: Path, seed: int = 0) -> None:
    from bench.common.corpus_inputs import real_lines

    lines, draw = real_lines(shared), random.Random(seed)
    (out / "text").mkdir(parents=True, exist_ok=True)
    target, written, shard = int(megabytes * 1e6), 0, 0
    while written < target:
        size, parts = 0, []
        while size < SHARD_BYTES and written + size < target:
            document = [
                f"{draw.choice(lines)} {draw.choice(lines)}" for _ in range(draw.randint(1, 8))
            ]
            text = "\n".join(document) + "\n\n"
            parts.append(text)
            size += len(text.encode("utf-8"))
        path = out / "text" / f"shard-{shard:05d}.txt"
        path.write_text("".join(parts), encoding="utf-8")
        written, shard = written + size, shard + 1
    print(f"{written / 1e6:.1f} MB in {shard} shards -> {out}")


def upstream_build(argv: list[str]) -> int:
    """vocab.build with tokenizers' trainer alone (no scan): what it did before."""
    from tokenizers import BertWordPieceTokenizer

    import vocab.build
    from vocab.schema import SPECIAL_TOKENS, unused_tokens
    from vocab.train import new_tokenizer

    def train_wordpiece(sentences, vocab_size, limit_alphabet, min_frequency=2, unused=0):
        tokenizer: BertWordPieceTokenizer = new_tokenizer()
        tokenizer.train_from_iterator(
            sentences(),
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            limit_alphabet=limit_alphabet,
            special_tokens=[*SPECIAL_TOKENS, *unused_tokens(unused)],
            show_progress=False,
            wordpieces_prefix="##",
        )
        return tokenizer

    vocab.build.train_wordpiece = train_wordpiece
    return vocab.build.main([*argv, "--overwrite"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepare", type=Path, help="write a corpus of real lines here")
    parser.add_argument("--mb", type=float, default=10.0, help="its size in MB (default 10)")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument(
        "--upstream", action="store_true", help="run vocab.build (its other arguments follow)"
    )
    args, rest = parser.parse_known_args()
    if args.prepare:
        prepare(args.prepare, args.mb, args.shared)
        return 0
    if args.upstream:
        return upstream_build(rest)
    parser.error("give --prepare DIR or --upstream")
    return 2


if __name__ == "__main__":
    sys.exit(main())
