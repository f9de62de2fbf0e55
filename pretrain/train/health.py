"""Warnings from the training log that a user would otherwise find only downstream."""

from __future__ import annotations

RESULTS_HINT = "bench/RESULTS.md, 'When does the discriminator learn?'"


def stalled_discriminator(
    history: list[dict],
    warmup_steps: int,
    auc_floor: float = 0.6,
    min_windows: int = 5,
    min_steps: int = 200,
) -> str | None:
    """A warning when the discriminator's logged AUC against the generator has stayed below
    `auc_floor` for the last `min_windows` windows after warmup (spanning `min_steps` steps or
    more) while the generator learned (MLM accuracy up by 0.05 or more); else None.

    The patterns are what a too-high learning rate gives a post-LN ELECTRA: the discriminator
    never leaves the replaced-token prior, or learns during warmup and falls back to it at the
    peak lr, while the generator learns; its features then fine-tune worse than random
    initialisation."""
    after = [row for row in history if row["step"] > warmup_steps][-min_windows:]
    if len(after) < min_windows or after[-1]["step"] - max(warmup_steps, 0) < min_steps:
        return None
    if any(row["disc_auc"] >= auc_floor for row in after):
        return None
    first, last = history[0]["mlm_accuracy"], history[-1]["mlm_accuracy"]
    if last - first < 0.05:
        return None
    best = max(row["disc_auc"] for row in history)
    return (
        f"warning: the discriminator is not learning: its AUC against the generator has been "
        f"below {auc_floor:.2f} for the last {len(after)} logged windows after warmup (best "
        f"{best:.3f} at any time) while the generator's MLM accuracy rose {first:.3f} -> "
        f"{last:.3f}. A lower learning rate is the usual fix (mini: 1e-4 learns, 3e-4 and "
        f"above stall; {RESULTS_HINT})"
    )
