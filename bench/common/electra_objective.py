"""The ELECTRA objective on Hugging Face's modules, in plain PyTorch: masking as
pretrain/train/objective.py's rule, the generator's head at the masked positions, Gumbel-max
samples, the replaced-token loss, and the ROC AUC the trainers log. Shared by the reference
trainer (bench.common.reference_trainer) and the evaluator (bench.common.electra_eval)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F


def mask_tokens(ids, input_mask, specials, mask_id, mask_prob, max_pred, rng):
    """(masked ids, positions [B,N], targets [B,N], weights [B,N]) as pretrain/train/objective.py."""
    candidate = input_mask.bool() & ~torch.isin(ids, torch.tensor(specials, device=ids.device))
    n = candidate.sum(1)
    k = torch.minimum(torch.round(n * mask_prob).long().clamp_min(1), n.clamp_max(max_pred))
    scores = torch.rand(ids.shape, generator=rng, device=ids.device).masked_fill(~candidate, -1.0)
    positions = scores.topk(max_pred, dim=1).indices
    weights = (torch.arange(max_pred, device=ids.device)[None, :] < k[:, None]).float()
    positions = positions * weights.long()  # unused slots point at [CLS] with weight 0
    targets = ids.gather(1, positions)
    draw = torch.rand(positions.shape, generator=rng, device=ids.device)
    use_mask = (draw < 0.85) & (weights > 0)
    masked = scatter(ids, positions, torch.where(use_mask, mask_id, targets), weights)
    return masked, positions, targets, weights


def scatter(ids, positions, tokens, weights):
    keep = weights > 0
    rows = torch.arange(ids.shape[0], device=ids.device)[:, None].expand_as(positions)
    out = ids.clone()
    out[rows[keep], positions[keep]] = tokens[keep]
    return out


def generator_logits(gen, masked, segments, input_mask, positions, everywhere=False):
    hidden = gen.electra(masked, attention_mask=input_mask, token_type_ids=segments)[0]
    if everywhere:  # the whole [B, L, V] projection, then pick the masked rows
        logits = gen.generator_lm_head(gen.generator_predictions(hidden))
        return logits.gather(1, positions[..., None].expand(-1, -1, logits.shape[-1]))
    picked = hidden.gather(1, positions[..., None].expand(-1, -1, hidden.shape[-1]))
    return gen.generator_lm_head(gen.generator_predictions(picked))


def losses(gen, disc, batch, cfg, specials, mask_id, rng, everywhere=False):
    ids, input_mask, segments = batch
    max_pred = int((cfg["mask_prob"] + 0.005) * ids.shape[1])
    masked, positions, targets, weights = mask_tokens(
        ids, input_mask, specials, mask_id, cfg["mask_prob"], max_pred, rng
    )
    logits = generator_logits(gen, masked, segments, input_mask, positions, everywhere).float()
    mlm = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    denominator = weights.sum() + 1e-6
    with torch.no_grad():
        u = torch.rand(logits.shape, generator=rng, device=logits.device).clamp_(1e-9, 1.0)
        sampled = (logits / cfg["temperature"] - torch.log(-torch.log(u))).argmax(-1)
        fake = scatter(ids, positions, sampled, weights)
    replaced = (fake != ids).float()
    disc_logits = disc(fake, attention_mask=input_mask, token_type_ids=segments).logits.float()
    token_w = input_mask.float()
    bce = F.binary_cross_entropy_with_logits(disc_logits, replaced, reduction="none")
    out = {
        "mlm_loss": (mlm * weights).sum() / denominator,
        "disc_loss": (bce * token_w).sum() / token_w.sum(),
    }
    out["loss"] = cfg["generator_weight"] * out["mlm_loss"] + cfg["disc_weight"] * out["disc_loss"]
    out["mlm_accuracy"] = ((logits.argmax(-1) == targets).float() * weights).sum() / denominator
    out["scores"] = (replaced[input_mask.bool()], disc_logits.detach()[input_mask.bool()])
    return out


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC (Mann-Whitney, ties counted half); nan with one class only."""
    from scipy.stats import rankdata

    positives = labels > 0.5
    n_pos, n_neg = positives.sum(), (~positives).sum()
    if not n_pos or not n_neg:
        return math.nan
    ranks = rankdata(scores)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
