"""CLI: `python -m vocab.build --corpus data/corpus/model3 --out data/vocab/model3`.

Trains (or imports, for model5) the WordPiece vocabulary of a recipe's corpus; the vocab size
is the recipe's, read from the corpus manifest, unless --vocab-size is given.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from corpus.recipes import DEFAULT_RECIPES, RecipeError, get_recipe
from corpus.schema import CorpusManifest
from kosent_common import resume, storage
from kosent_common.cli import ArgumentParser, at_least
from kosent_common.electra import MAX_POSITIONS
from kosent_common.extras import exits_on_missing_extra
from kosent_common.manifest import ManifestError
from vocab.corpus_lines import iter_sentences, sample_fraction, sample_sentences, text_shards
from vocab.export import write_tokenizer_folder
from vocab.report import measure
from vocab.schema import SPECIAL_TOKENS, VocabError, VocabManifest
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
    size.add_argument(
        "--vocab-size",
        type=at_least(1),
        help="vocabulary size (incl. special tokens); default: the corpus recipe's, from the "
        "corpus manifest.json",
    )
    size.add_argument(
        "--recipe",
        help="deprecated (the corpus manifest records its recipe): take the vocab size from "
        "this recipe of --recipes instead",
    )
    parser.add_argument(
        "--recipes", type=Path, default=DEFAULT_RECIPES, help="deprecated, with --recipe"
    )
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
        "--sample-bytes",
        type=parse_bytes,
        metavar="SIZE",
        help="train on a seeded sample of about SIZE of the corpus's training sentences "
        "(e.g. 2G, 500M): bounded time and memory on a corpus of tens of GB; held-out "
        "figures in report.json are still measured on the whole held-out slice",
    )
    parser.add_argument(
        "--sample-seed", type=int, default=0, help="seed of --sample-bytes (default 0)"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="train again, replacing the vocabulary in OUT (one built from the same corpus "
        "and options is reused; one built from others is kept and is an error)",
    )
    parser.add_argument(
        "--max-length",
        type=at_least(1),
        default=MAX_POSITIONS,
        help="model_max_length in tokenizer_config.json (default %(default)s, the model's "
        "positions)",
    )
    args = parser.parse_args(argv)
    if args.heldout_per_mille >= 1000:
        parser.error(
            f"argument --heldout-per-mille: must be below 1000, not {args.heldout_per_mille}"
        )
    return args


def parse_bytes(text: str) -> int:
    """`2G`, `500M`, `64k` or a number of bytes."""
    units = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
    number, unit = (text[:-1], text[-1].lower()) if text[-1:].isalpha() else (text, "")
    try:
        value = float(number) * units.get(unit, 1 if not unit else 0)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a size such as 2G, 500M or 64k, not {text!r}")
    return int(value)


def size_origin(args, corpus: CorpusManifest | None, vocab_size: int) -> str:
    """Where the vocab size came from, as an error names it."""
    if args.vocab_size:
        return f"--vocab-size {vocab_size}"
    if args.recipe:
        return f"the vocab size {vocab_size} (recipe {args.recipe}, from --recipe)"
    recipe = corpus.recipe if corpus is not None else None
    return f"the vocab size {vocab_size} (recipe {recipe}, from the corpus manifest)"


def check_trained(
    tokenizer, sentences: int, vocab_size: int, reserved: int, args, shards: int, origin: str
):
    """An empty corpus or a size the alphabet alone exceeds is an error, not a vocab."""
    if not sentences:
        raise VocabError(
            f"{args.corpus} has no training sentences ({shards} shards): build the corpus first "
            "(python -m corpus.build) or check that its text/ shards are not empty"
        )
    got = tokenizer.get_vocab_size()
    if got > vocab_size:
        raise VocabError(
            f"{origin} is below the {reserved} special and unused tokens plus "
            f"the corpus alphabet ({got - reserved} characters with --limit-alphabet "
            f"{args.limit_alphabet}): the trainer would give {got} tokens; ask for more than "
            f"{got} or lower --limit-alphabet"
        )


def vocab_size_of(args, corpus: CorpusManifest | None) -> int | None:
    """--vocab-size, else the recipe the corpus was built with (its manifest); the deprecated
    --recipe still names one. None with --external-vocab."""
    if args.recipe:
        print(
            "note: --recipe/--recipes are deprecated: the corpus manifest records its recipe's "
            "vocab size",
            file=sys.stderr,
        )
        recipe = get_recipe(args.recipe, args.recipes)
        name, size, external = recipe.name, recipe.vocab_size, recipe.external_vocab
    elif corpus is not None:
        name, size, external = corpus.recipe, corpus.vocab_size, corpus.external_vocab
    else:
        name, size, external = None, None, False
    if args.vocab_size:
        if size and size != args.vocab_size and args.external_vocab is None:
            print(
                f"note: --vocab-size {args.vocab_size} instead of recipe {name}'s {size}",
                file=sys.stderr,
            )
        return args.vocab_size
    if external and args.external_vocab is None:
        raise VocabError(
            f"recipe {name} uses an external vocab: pass --external-vocab FILE "
            "(the enliple kor_pretrain_LM vocab.txt)"
        )
    if size is None and args.external_vocab is None:
        raise VocabError(
            f"{args.corpus} has no corpus manifest.json to take the vocab size from: give "
            "--vocab-size N (or --external-vocab FILE)"
        )
    return size


# Bump when the same inputs would give another vocab.txt (2: ids in a fixed order).
TRAINING_VERSION = 2
OUTPUT_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def corpus_shards(args, corpus: CorpusManifest | None) -> list[Path]:
    """The text shards to train on; a missing folder or shard says what to build."""
    if not args.corpus.is_dir():
        raise VocabError(
            f"corpus folder {args.corpus} does not exist: build it with python -m corpus.build "
            "and pass the folder it wrote (OUT/RECIPE), or a folder of .txt files"
        )
    shards = corpus.text_shards(args.corpus) if corpus else text_shards(args.corpus)
    missing = [str(path) for path in shards if not path.is_file()]
    if missing:
        raise VocabError(
            f"{args.corpus}/manifest.json lists shards that are missing "
            f"({', '.join(missing[:3])}): rerun python -m corpus.build"
        )
    return shards


def build_options(args, vocab_size: int | None) -> dict:
    """The options that decide vocab.txt and report.json."""
    external = args.external_vocab
    return {
        "training_version": TRAINING_VERSION,
        "vocab_size": vocab_size,
        "external_vocab": storage.sha256(str(external)) if external else None,
        "limit_alphabet": args.limit_alphabet,
        "min_frequency": args.min_frequency,
        "unused": args.unused,
        "heldout_per_mille": args.heldout_per_mille,
        "max_length": args.max_length,
        "sample_bytes": args.sample_bytes,
        "sample_seed": args.sample_seed if args.sample_bytes else None,
    }


def inputs_fingerprint(options: dict, shards: list[Path]) -> str:
    """The options and the shards (path, size, mtime)."""
    return resume.fingerprint(options, [path.resolve() for path in shards])


def earlier_build(out: Path) -> VocabManifest | None:
    """The vocabulary `out` holds, complete and as its report says; None if there is none."""
    if not VocabManifest.exists(out):
        return None
    try:
        report = VocabManifest.read(out)
    except ManifestError:
        return None
    if not all((out / name).is_file() for name in OUTPUT_FILES):
        return None
    return report if storage.sha256(str(out / "vocab.txt")) == report.vocab_sha256 else None


def what_differs(report: VocabManifest, options: dict) -> str:
    """How an earlier build's inputs differ from these, in words."""
    if report.build_options is None:
        return "it was built by an older vocab.build, which did not record its inputs"
    old = report.build_options
    changed = [
        f"{key} {old.get(key)} there, {value} now"
        for key, value in options.items()
        if key != "training_version" and old.get(key) != value
    ]
    if changed:
        return ", ".join(changed)
    if old.get("training_version") != options["training_version"]:
        return "it was trained by an older vocab.build (ids in another order)"
    return "the corpus shards changed"


def train_or_import(args, corpus, shards: list[Path], vocab_size: int | None, reserved: int):
    if args.external_vocab is not None:
        return import_vocab(args.external_vocab)
    print(f"training WordPiece ({vocab_size} tokens) on {len(shards)} shards ...", file=sys.stderr)
    seen = [0]

    fraction = sample_fraction(args.sample_bytes, shards)
    if fraction < 1:
        print(f"training on a seeded sample of {fraction:.1%} of the sentences", file=sys.stderr)

    def sentences():
        seen[0] = 0
        training = iter_sentences(shards, args.heldout_per_mille, heldout=False)
        for sentence in sample_sentences(training, fraction, args.sample_seed):
            seen[0] += 1
            yield sentence

    tokenizer = train_wordpiece(
        sentences,
        vocab_size=vocab_size,
        limit_alphabet=args.limit_alphabet,
        min_frequency=args.min_frequency,
        unused=args.unused,
    )
    origin = size_origin(args, corpus, vocab_size)
    check_trained(tokenizer, seen[0], vocab_size, reserved, args, len(shards), origin)
    return tokenizer


@exits_on_missing_extra
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        corpus = CorpusManifest.read(args.corpus) if CorpusManifest.exists(args.corpus) else None
        shards = corpus_shards(args, corpus)
        vocab_size, external = vocab_size_of(args, corpus), args.external_vocab
        reserved = len(SPECIAL_TOKENS) + args.unused
        if external is None and vocab_size <= reserved:
            raise VocabError(
                f"{size_origin(args, corpus, vocab_size)} leaves no room after the "
                f"{len(SPECIAL_TOKENS)} special tokens and {args.unused} unused slots"
            )
        options = build_options(args, vocab_size)
        fingerprint = inputs_fingerprint(options, shards)
        earlier = None if args.overwrite else earlier_build(args.out)
        if earlier is not None and earlier.inputs_fingerprint == fingerprint:
            print(
                f"vocab: already complete (reused): {earlier.vocab_size} tokens in {args.out}, "
                "built from the same corpus and options; --overwrite to train it again"
            )
            return 0
        if earlier is not None:
            raise VocabError(
                f"{args.out} holds a vocabulary built from other inputs "
                f"({what_differs(earlier, options)}): use another --out, or --overwrite to "
                "replace it"
            )
        if args.limit_alphabet < SEED_LIMIT_ALPHABET and external is None:
            print(
                f"note: --limit-alphabet {args.limit_alphabet} is below the seed's "
                f"{SEED_LIMIT_ALPHABET}; rare Hangul syllables will become [UNK]",
                file=sys.stderr,
            )
        tokenizer = train_or_import(args, corpus, shards, vocab_size, reserved)
    except (RecipeError, VocabError, ManifestError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    write_tokenizer_folder(tokenizer, args.out, args.max_length)
    fit = measure(tokenizer, iter_sentences(shards, args.heldout_per_mille, heldout=True))
    report = VocabManifest(
        **fit,
        vocab_size=tokenizer.get_vocab_size(),
        requested_vocab_size=vocab_size,
        external_vocab=str(external) if external else None,
        limit_alphabet=args.limit_alphabet,
        min_frequency=args.min_frequency,
        corpus_shards=len(shards),
        vocab_sha256=storage.sha256(str(args.out / "vocab.txt")),
        corpus=str(args.corpus),
        corpus_recipe=corpus.recipe if corpus else None,
        max_length=args.max_length,
        inputs_fingerprint=fingerprint,
        build_options=options,
    )
    report.write(args.out)
    print(
        f"vocab: {report.vocab_size} tokens -> {args.out}; held-out UNK rate "
        f"{report.unk_rate:.4%}, {report.tokens_per_sentence:.1f} tokens/sentence, "
        f"{report.characters_per_token:.2f} chars/token ({time.monotonic() - started:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
