"""CLI: `python -m vocab.build --corpus data/corpus/model3 --out data/vocab/model3 \
    --recipe model3`.

Trains (or imports, for model5) the WordPiece vocabulary of a recipe's corpus.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

from corpus.recipes import DEFAULT_RECIPES, RecipeError, get_recipe
from kosent_common.atomic import write_json_atomic
from kosent_common.cli import ArgumentParser, at_least
from vocab.corpus_lines import iter_sentences, text_shards
from vocab.export import write_tokenizer_folder
from vocab.report import measure
from vocab.schema import SPECIAL_TOKENS, VocabError
from vocab.train import import_vocab, train_wordpiece

SEED_LIMIT_ALPHABET = 10_000  # KoSentELECTRA: limit_alphabet of 10k or more


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = ArgumentParser(
        prog="python -m vocab.build",
        description="Train a cased WordPiece vocabulary (tokenizers' BertWordPieceTokenizer) on "
        "a corpus built by corpus.build, or import an external vocab.txt; write vocab.txt, "
        "tokenizer.json, tokenizer_config.json and report.json to OUT.",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        required=True,
        help="corpus folder (OUT/RECIPE of corpus.build, or a folder of .txt)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--recipe", help="take the vocab size (and external vocab) from a recipe")
    size.add_argument(
        "--vocab-size", type=at_least(1), help="vocabulary size (incl. special tokens)"
    )
    parser.add_argument("--recipes", type=Path, default=DEFAULT_RECIPES, help="recipes TOML")
    parser.add_argument(
        "--limit-alphabet",
        type=at_least(1),
        default=SEED_LIMIT_ALPHABET,
        help="max distinct initial characters (default %(default)s, the seed's)",
    )
    parser.add_argument(
        "--min-frequency",
        type=at_least(0),
        default=2,
        help="min count of a merged piece (default %(default)s)",
    )
    parser.add_argument(
        "--unused",
        type=at_least(0),
        default=0,
        help="number of [unusedN] slots after the special tokens (default 0)",
    )
    parser.add_argument(
        "--external-vocab",
        type=Path,
        help="import this vocab.txt instead of training (recipe model5)",
    )
    parser.add_argument(
        "--heldout-per-mille",
        type=at_least(0),
        default=10,
        help="sentences per 1000 held out of training for report.json (default 10)",
    )
    parser.add_argument(
        "--max-length",
        type=at_least(1),
        default=512,
        help="model_max_length in tokenizer_config.json (default 512)",
    )
    args = parser.parse_args(argv)
    if args.heldout_per_mille >= 1000:
        parser.error(
            f"argument --heldout-per-mille: must be below 1000, not {args.heldout_per_mille}"
        )
    return args


def check_trained(tokenizer, sentences: int, vocab_size: int, reserved: int, args, shards: int):
    """An empty corpus or a size the alphabet alone exceeds is an error, not a vocab."""
    if not sentences:
        raise VocabError(
            f"{args.corpus} has no training sentences ({shards} shards): build the corpus first "
            "(python -m corpus.build) or check that its text/ shards are not empty"
        )
    got = tokenizer.get_vocab_size()
    if got > vocab_size:
        raise VocabError(
            f"--vocab-size {vocab_size} is below the {reserved} special and unused tokens plus "
            f"the corpus alphabet ({got - reserved} characters with --limit-alphabet "
            f"{args.limit_alphabet}): the trainer would give {got} tokens; ask for more than "
            f"{got} or lower --limit-alphabet"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        vocab_size, external = args.vocab_size, args.external_vocab
        if args.recipe:
            recipe = get_recipe(args.recipe, args.recipes)
            vocab_size = recipe.vocab_size
            if recipe.external_vocab and external is None:
                raise VocabError(
                    f"recipe {recipe.name} uses an external vocab: pass --external-vocab FILE "
                    "(the enliple kor_pretrain_LM vocab.txt)"
                )
        if external is None and not vocab_size:
            raise VocabError("give --recipe NAME, --vocab-size N, or --external-vocab FILE")
        reserved = len(SPECIAL_TOKENS) + args.unused
        if external is None and vocab_size <= reserved:
            raise VocabError(
                f"--vocab-size {vocab_size} leaves no room after the {len(SPECIAL_TOKENS)} "
                f"special tokens and {args.unused} unused slots"
            )
        if args.limit_alphabet < SEED_LIMIT_ALPHABET:
            print(
                f"note: --limit-alphabet {args.limit_alphabet} is below the seed's "
                f"{SEED_LIMIT_ALPHABET}; rare Hangul syllables will become [UNK]",
                file=sys.stderr,
            )
        shards = text_shards(args.corpus)
        if external is not None:
            tokenizer = import_vocab(external)
        else:
            print(
                f"training WordPiece ({vocab_size} tokens) on {len(shards)} shards ...",
                file=sys.stderr,
            )
            seen = [0]

            def counted(sentences):
                for sentence in sentences:
                    seen[0] += 1
                    yield sentence

            tokenizer = train_wordpiece(
                counted(iter_sentences(shards, args.heldout_per_mille, heldout=False)),
                vocab_size=vocab_size,
                limit_alphabet=args.limit_alphabet,
                min_frequency=args.min_frequency,
                unused=args.unused,
            )
            check_trained(tokenizer, seen[0], vocab_size, reserved, args, len(shards))
    except (RecipeError, VocabError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    write_tokenizer_folder(tokenizer, args.out, args.max_length)
    report = measure(tokenizer, iter_sentences(shards, args.heldout_per_mille, heldout=True))
    report.update(
        {
            "vocab_size": tokenizer.get_vocab_size(),
            "requested_vocab_size": vocab_size,
            "external_vocab": str(external) if external else None,
            "limit_alphabet": args.limit_alphabet,
            "min_frequency": args.min_frequency,
            "corpus_shards": len(shards),
            "vocab_sha256": hashlib.sha256((args.out / "vocab.txt").read_bytes()).hexdigest(),
        }
    )
    write_json_atomic(args.out / "report.json", report)
    print(
        f"vocab: {report['vocab_size']} tokens -> {args.out}; held-out UNK rate "
        f"{report['unk_rate']:.4%}, {report['tokens_per_sentence']:.1f} tokens/sentence, "
        f"{report['characters_per_token']:.2f} chars/token ({time.monotonic() - started:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
