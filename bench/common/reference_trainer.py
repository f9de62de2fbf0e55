"""A reference ELECTRA trainer in plain PyTorch on Hugging Face's modules: the yardstick for
`pretrain.train` (same records, same config JSON; the training written independently of
pretrain/, the records read by bench.common.records_io).

    python -m bench.common.reference_trainer --config CONFIG.json --data RECORDS_DIR \\
        --out RUN_DIR [--generator-logits masked|all] [--eval-every N] [--threads N]

ElectraForMaskedLM (generator) + ElectraForPreTraining (discriminator) sharing the embeddings;
per sequence k = clip(round(mask_prob * n), 1, max_predictions) of the n non-special tokens are
masked (85% [MASK], 15% kept); the generator head runs only at the masked positions (`--generator-
logits all`: at every position, as `ElectraForMaskedLM(labels=...)` is usually called); Gumbel-max
samples; loss = MLM + disc_weight * replaced-token BCE; AdamW (eps 1e-6, no decay on LayerNorm
and biases), linear warmup then linear decay to 0, global-norm clip 1. Writes RUN_DIR/history.json
(window means every log_every_steps) and, with --eval-every, RUN_DIR/eval.json
(bench.common.electra_eval).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from transformers import ElectraConfig, ElectraForMaskedLM, ElectraForPreTraining

from bench.common.electra_eval import Evaluator
from bench.common.electra_objective import auc, losses
from bench.common.records_io import load_examples

SIZES = {  # (embedding, hidden, layers, heads, intermediate), as the ELECTRA paper/code
    "tiny": (32, 64, 2, 2, 128),
    "mini": (128, 128, 4, 2, 512),
    "small": (128, 256, 12, 4, 1024),
    "base": (768, 768, 12, 12, 3072),
}
DEFAULTS = {
    "mask_prob": 0.15,
    "disc_weight": 50.0,
    "generator_weight": 1.0,
    "temperature": 1.0,
    "weight_decay_rate": 0.01,
    "generator_hidden_size": 0.25,
    "dropout": 0.1,
    "seed": 0,
    "log_every_steps": 100,
    "num_warmup_steps": 10_000,
    "learning_rate": 5e-4,
}


def build_models(cfg: dict) -> tuple[ElectraForMaskedLM, ElectraForPreTraining]:
    emb, hidden, layers, heads, inter = SIZES[cfg["model_size"]]
    gen_hidden = max(1, round(hidden * cfg["generator_hidden_size"]))

    def hf(h, n_heads, i):
        return ElectraConfig(
            vocab_size=cfg["vocab_size"],
            embedding_size=emb,
            hidden_size=h,
            num_hidden_layers=layers,
            num_attention_heads=n_heads,
            intermediate_size=i,
            hidden_act="gelu_new",
            hidden_dropout_prob=cfg["dropout"],
            attention_probs_dropout_prob=cfg["dropout"],
        )

    disc = ElectraForPreTraining(hf(hidden, heads, inter))
    gen = ElectraForMaskedLM(hf(gen_hidden, max(1, gen_hidden // 64), 4 * gen_hidden))
    gen.electra.embeddings = disc.electra.embeddings  # shared token/position/segment + LayerNorm
    gen.generator_lm_head.weight = disc.electra.embeddings.word_embeddings.weight  # tied
    return gen, disc


def make_optimizer(params: dict, cfg: dict):
    params = {n: p for p, n in {p: n for n, p in params.items()}.items()}  # tied weights once
    no_decay = [p for n, p in params.items() if "LayerNorm" in n or n.endswith("bias")]
    decay = [p for n, p in params.items() if not ("LayerNorm" in n or n.endswith("bias"))]
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg["weight_decay_rate"]},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=cfg["learning_rate"],
        betas=(0.9, 0.999),
        eps=1e-6,
        fused=decay[0].is_cuda or None,  # on a GPU, the fused kernel a PyTorch user would pick
    )
    warmup, total = cfg["num_warmup_steps"], cfg["num_train_steps"]

    def factor(step: int) -> float:  # the optimizer's step-th update (0-based), as the original
        return step / warmup if step < warmup else max(0.0, 1.0 - step / total)

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def train(
    cfg: dict,
    data: str,
    out_dir: Path,
    everywhere=False,
    eval_every=0,
    log=print,
    device: str = "cpu",
) -> dict:
    """`mixed_precision` in the config (as pretrain.train's) runs the models under bf16
    autocast, the losses in float32."""
    cfg = {**DEFAULTS, **cfg}
    torch.manual_seed(cfg["seed"])
    vocab = Path(cfg["vocab_file"]).read_text(encoding="utf-8").splitlines()
    ids_of = {t: i for i, t in enumerate(vocab)}
    specials, mask_id = [ids_of["[PAD]"], ids_of["[CLS]"], ids_of["[SEP]"]], ids_of["[MASK]"]
    examples = {
        k: torch.from_numpy(v.astype(np.int64)).to(device) for k, v in load_examples(data).items()
    }
    count, batch_size = len(examples["input_ids"]), cfg["train_batch_size"]
    gen, disc = build_models(cfg)
    gen.to(device), disc.to(device)
    autocast = torch.autocast(
        torch.device(device).type, torch.bfloat16, enabled=bool(cfg.get("mixed_precision"))
    )
    params = {
        **dict(gen.named_parameters(prefix="gen")),
        **dict(disc.named_parameters(prefix="disc")),
    }
    unique = {id(p): (n, p) for n, p in params.items()}  # shared embeddings counted once
    params = dict(unique.values())
    optimizer, scheduler = make_optimizer(params, cfg)
    rng = torch.Generator(device).manual_seed(cfg["seed"])
    order = np.random.default_rng(cfg["seed"])
    evaluator = None
    if eval_every:
        evaluator = Evaluator(data, specials, mask_id, cfg)
    history, evals, window, labels, scores = [], [], {}, [], []
    step, started, last = 0, time.monotonic(), time.monotonic()
    perm, cursor = order.permutation(count), 0
    gen.train(), disc.train()
    while step < cfg["num_train_steps"]:
        if cursor + batch_size > count:
            perm, cursor = order.permutation(count), 0
        index = torch.from_numpy(perm[cursor : cursor + batch_size]).to(device)
        cursor += batch_size
        batch = tuple(examples[k][index] for k in ("input_ids", "input_mask", "segment_ids"))
        with autocast:
            out = losses(gen, disc, batch, cfg, specials, mask_id, rng, everywhere)
        out["loss"].backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        for name in ("loss", "mlm_loss", "mlm_accuracy", "disc_loss"):
            window[name] = window.get(name, 0.0) + out[name].detach()  # no per-step sync
        labels.append(out["scores"][0])
        scores.append(out["scores"][1])
        if step % cfg["log_every_steps"] == 0 or step == cfg["num_train_steps"]:
            if torch.device(device).type == "cuda":
                torch.cuda.synchronize(device)  # the window's steps have run, not just queued
            now, n = time.monotonic(), len(history) and history[-1]["step"]
            values = {k: float(v) / (step - n) for k, v in window.items()}
            values["disc_auc"] = auc(*(torch.cat(t).cpu().numpy() for t in (labels, scores)))
            values["examples_per_second"] = (step - n) * batch_size / (now - last)
            history.append({"step": step, **values})
            log(
                f"step {step}/{cfg['num_train_steps']} loss {values['loss']:.3f} mlm "
                f"{values['mlm_loss']:.3f} acc {values['mlm_accuracy']:.3f} disc "
                f"{values['disc_loss']:.4f} auc {values['disc_auc']:.3f} "
                f"{values['examples_per_second']:.1f} ex/s"
            )
            window, labels, scores, last = {}, [], [], time.monotonic()
        if evaluator and (step % eval_every == 0 or step == cfg["num_train_steps"]):
            evals.append({"step": step, **evaluator(gen, disc)})
            gen.train(), disc.train()
            last = time.monotonic()  # evaluation is not training time
    result = {"steps": step, "seconds": time.monotonic() - started, "history": history}
    if torch.device(device).type == "cuda":
        result["device"] = torch.cuda.get_device_name(device)
        result["peak_bytes"] = torch.cuda.max_memory_allocated(device)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "history.json").write_text(json.dumps(result, indent=1))
    if evals:
        (out_dir / "eval.json").write_text(json.dumps(evals, indent=1))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True, help="pretrain.train config JSON")
    parser.add_argument("--data", required=True, help="records folder (pretrain.tfrecords)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--vocab-file", help="default: the records' manifest vocab_file")
    parser.add_argument("--generator-logits", choices=("masked", "all"), default="masked")
    parser.add_argument("--eval-every", type=int, default=0, help="steps between evaluations")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    if args.eval_every and args.device != "cpu":
        parser.error("--eval-every evaluates on the CPU: leave --device at cpu")
    torch.set_num_threads(args.threads)
    cfg = json.loads(args.config.read_text())
    manifest = Path(args.data) / "manifest.json"
    cfg["vocab_file"] = args.vocab_file or json.loads(manifest.read_text())["vocab_file"]
    cfg.setdefault("max_seq_length", 128)
    train(cfg, args.data, args.out, args.generator_logits == "all", args.eval_every,
          device=args.device)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
