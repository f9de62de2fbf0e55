"""One evaluation for any ELECTRA generator + discriminator pair in Hugging Face form (the
reference trainer's models, or `pretrain.export`'s folders of a `pretrain.train` run).

On the first `examples` records (fixed masks and draws, dropout off): generator MLM loss and
accuracy at the masked positions, discriminator loss and ROC AUC on the generator's samples,
and ROC AUC when the same masked positions get uniformly random tokens instead.
"""

from __future__ import annotations

import numpy as np
import torch

from bench.common.electra_objective import auc, losses
from bench.common.records_io import load_examples


class Evaluator:
    def __init__(self, data: str, specials: list[int], mask_id: int, cfg: dict, examples=512):
        arrays = load_examples(data, limit=examples)
        self.batches = [
            tuple(
                torch.from_numpy(arrays[k][i : i + 128].astype(np.int64))
                for k in ("input_ids", "input_mask", "segment_ids")
            )
            for i in range(0, len(arrays["input_ids"]), 128)
        ]
        self.specials, self.mask_id, self.cfg = specials, mask_id, cfg

    @torch.no_grad()
    def __call__(self, gen, disc) -> dict:
        gen.eval(), disc.eval()
        rng = torch.Generator().manual_seed(12345)
        totals = {"mlm_loss": 0.0, "mlm_accuracy": 0.0, "disc_loss": 0.0}
        labels, scores, u_labels, u_scores = [], [], [], []
        for batch in self.batches:
            out = losses(gen, disc, batch, self.cfg, self.specials, self.mask_id, rng)
            for key in totals:
                totals[key] += float(out[key]) / len(self.batches)
            labels.append(out["scores"][0].numpy())
            scores.append(out["scores"][1].numpy())
            ids, input_mask, segments = batch
            # uniform replacements at fresh masked positions
            candidate = input_mask.bool() & ~torch.isin(ids, torch.tensor(self.specials))
            pick = (torch.rand(ids.shape, generator=rng) < self.cfg["mask_prob"]) & candidate
            random_ids = torch.randint(0, self.cfg["vocab_size"], ids.shape, generator=rng)
            fake = torch.where(pick, random_ids, ids)
            logits = disc(fake, attention_mask=input_mask, token_type_ids=segments).logits
            real = input_mask.bool()
            u_labels.append((fake != ids)[real].float().numpy())
            u_scores.append(logits[real].numpy())
        totals["disc_auc_generator"] = auc(np.concatenate(labels), np.concatenate(scores))
        totals["disc_auc_uniform"] = auc(np.concatenate(u_labels), np.concatenate(u_scores))
        return totals
