"""Every generator with every discriminator: bench/electra_eval.py's evaluation (fixed masks,
dropout off, AUC against the generator's samples and against uniform replacements) for each
pair of exported runs on each run's records. Separates "the discriminator learned little" from
"its own generator's samples are hard".

    python bench/electra_cross_eval.py --run general=RUN_DIR --run indomain=RUN_DIR \\
        --records general=DIR --records indomain=DIR --vocab VOCAB.txt [--examples 512]

RUN_DIR is a `pretrain.train` output folder that `pretrain.export` has written `hf/` into.
Prints one Markdown table row per (records, generator, discriminator).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def named(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=PATH")
    return name, Path(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=named, action="append", required=True)
    parser.add_argument("--records", type=named, action="append", required=True)
    parser.add_argument("--vocab", type=Path, required=True)
    parser.add_argument("--examples", type=int, default=512)
    args = parser.parse_args()

    import torch
    from electra_eval import Evaluator
    from transformers import ElectraForMaskedLM, ElectraForPreTraining

    torch.set_num_threads(1)
    vocab = args.vocab.read_text(encoding="utf-8").splitlines()
    ids = {token: i for i, token in enumerate(vocab)}
    runs = dict(args.run)
    models = {
        name: (
            ElectraForMaskedLM.from_pretrained(str(folder / "hf" / "generator")),
            ElectraForPreTraining.from_pretrained(str(folder / "hf" / "discriminator")),
        )
        for name, folder in runs.items()
    }
    config = json.loads((next(iter(runs.values())) / "config.json").read_text())
    cfg = {
        key: config[key] for key in ("mask_prob", "temperature", "disc_weight", "generator_weight")
    }
    cfg["vocab_size"] = len(vocab)
    specials = [ids["[PAD]"], ids["[CLS]"], ids["[SEP]"]]
    print("| records | generator | discriminator | AUC vs generator | AUC vs uniform |")
    print("|---|---|---|---:|---:|")
    for data, folder in args.records:
        evaluate = Evaluator(str(folder), specials, ids["[MASK]"], cfg, examples=args.examples)
        for gen_name, (generator, _) in models.items():
            for disc_name, (_, discriminator) in models.items():
                out = evaluate(generator, discriminator)
                print(
                    f"| {data} | {gen_name} | {disc_name} | {out['disc_auc_generator']:.3f} | "
                    f"{out['disc_auc_uniform']:.3f} |",
                    flush=True,
                )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
