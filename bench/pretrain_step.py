"""Pretraining step throughput: our Keras/TensorFlow ELECTRA step vs Hugging Face
ElectraForMaskedLM + ElectraForPreTraining in PyTorch, same sizes, batch and length, one run.

    OMP_NUM_THREADS=2 python bench/pretrain_step.py [--steps 30] [--vocab-size 32000]

Sizes: the `mini` preset (hidden 128, 4 layers, embedding 128), generator 1/4 wide, vocab
32k, sequence 128, batch 32, random token ids (throughput does not depend on the text).
The HF loop is the straightforward one: the generator computes logits at every position.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH, LENGTH = 32, 128


def batch_arrays(vocab_size: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = rng.integers(5, vocab_size, size=(BATCH, LENGTH)).astype(np.int64)
    ids[:, 0], ids[:, -1] = 2, 3
    return {"input_ids": ids, "input_mask": np.ones_like(ids), "segment_ids": np.zeros_like(ids)}


def ours(config, steps: int) -> float:
    import keras
    import tensorflow as tf

    import pretrain  # noqa: F401
    from pretrain.model import ElectraPretrainer
    from pretrain.train import make_optimizer, make_train_step

    keras.utils.set_random_seed(0)
    strategy = tf.distribute.get_strategy()
    model = ElectraPretrainer(config)
    model.build_all()
    optimizer, _ = make_optimizer(config, model)
    auc = keras.metrics.AUC()
    step = tf.Variable(0, dtype=tf.int64)
    train_step = make_train_step(model, optimizer, config, strategy, step, auc, [0, 2, 3], 4)
    batch = {k: tf.constant(v) for k, v in batch_arrays(config.vocab_size).items()}
    for _ in range(3):  # trace and warm up
        float(train_step(batch)["loss"])
    started = time.perf_counter()
    for _ in range(steps):
        float(train_step(batch)["loss"])
    return steps * BATCH * LENGTH / (time.perf_counter() - started)


def huggingface(config, steps: int) -> float:
    import torch
    from transformers import ElectraConfig, ElectraForMaskedLM, ElectraForPreTraining

    torch.manual_seed(0)
    disc_sizes, gen_sizes = config.sizes, config.generator_sizes

    def hf_config(sizes):
        return ElectraConfig(
            vocab_size=config.vocab_size,
            embedding_size=sizes["embedding_size"],
            hidden_size=sizes["hidden_size"],
            num_hidden_layers=sizes["num_hidden_layers"],
            num_attention_heads=sizes["num_attention_heads"],
            intermediate_size=sizes["intermediate_size"],
        )

    generator = ElectraForMaskedLM(hf_config(gen_sizes))
    discriminator = ElectraForPreTraining(hf_config(disc_sizes))
    generator.electra.embeddings = discriminator.electra.embeddings  # shared, as the original
    params = list(
        {id(p): p for p in [*generator.parameters(), *discriminator.parameters()]}.values()
    )
    optimizer = torch.optim.AdamW(params, lr=5e-4, eps=1e-6, weight_decay=0.01)
    arrays = batch_arrays(config.vocab_size)
    ids = torch.tensor(arrays["input_ids"])
    attention = torch.ones_like(ids)

    def step() -> float:
        masked_positions = torch.rand(ids.shape) < config.mask_prob
        masked = ids.masked_fill(masked_positions, 4)
        labels = ids.masked_fill(~masked_positions, -100)
        out = generator(input_ids=masked, attention_mask=attention, labels=labels)
        with torch.no_grad():  # sample only where masked
            logits = out.logits[masked_positions]
            gumbel = -torch.log(-torch.log(torch.rand_like(logits).clamp_min(1e-9)))
            fake = ids.clone()
            fake[masked_positions] = (logits + gumbel).argmax(-1)
        replaced = (fake != ids).long()
        disc = discriminator(input_ids=fake, attention_mask=attention, labels=replaced)
        loss = out.loss + 50.0 * disc.loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return float(loss)

    for _ in range(3):
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * BATCH * LENGTH / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--vocab-size", type=int, default=32000)
    args = parser.parse_args()
    from pretrain.config import config_from_dict

    config = config_from_dict(
        {
            "model_size": "mini",
            "vocab_size": args.vocab_size,
            "max_seq_length": LENGTH,
            "train_batch_size": BATCH,
        }
    )
    threads = int(os.environ.get("OMP_NUM_THREADS", "2"))
    import torch

    torch.set_num_threads(threads)
    hf = huggingface(config, args.steps)
    keras_rate = ours(config, args.steps)
    print(f"""
### pretrain step ({time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores, OMP_NUM_THREADS={threads})

`mini` sizes (hidden 128, 4 layers, embedding 128; generator hidden 32), vocab {args.vocab_size},
sequence {LENGTH}, batch {BATCH}, {args.steps} timed steps after 3 warm-up steps, CPU.

| step | tokens/s | vs HF |
|---|---:|---:|
| HF ElectraForMaskedLM + ElectraForPreTraining (PyTorch, logits at every position) | {hf:,.0f} | 1.00x |
| pretrain.train step (Keras 3 / TF, generator logits at masked positions only) | {keras_rate:,.0f} | {keras_rate / hf:.2f}x |
""")


if __name__ == "__main__":
    main()
