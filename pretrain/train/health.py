"""Warnings from the training log that a user would otherwise find only downstream."""

from __future__ import annotations

RESULTS_HINT = "bench/HISTORY.md, 'When does the discriminator learn?'"


def stalled_discriminator(
    history: list[dict],
    warmup_steps: int,
    auc_floor: float = 0.6,
    min_windows: int = 5,
    min_steps: int = 200,
) -> str | None:
    """A warning when the discriminator's logged AUC against the generator has stayed below
    `auc_floor` for the last `min_windows` windows after warmup (spanning `min_steps` steps or
    more) while the generator learned (its MLM loss down by half a nat or more); else None.

    The AUC falls to ~0.55 once the generator's samples follow the token frequencies, and rises
    again only when the discriminator learns context; a small budget (or an lr that gets the
    generator there before the discriminator learned anything) ends in that phase, and such
    features fine-tuned worse than random initialisation (bench/RESULTS.md)."""
    after = [row for row in history if row["step"] > warmup_steps][-min_windows:]
    if len(after) < min_windows or after[-1]["step"] - max(warmup_steps, 0) < min_steps:
        return None
    if any(row["disc_auc"] >= auc_floor for row in after):
        return None
    first, last = history[0]["mlm_loss"], history[-1]["mlm_loss"]
    if first - last < 0.5:
        return None
    best = max(row["disc_auc"] for row in history)
    return (
        f"warning: the discriminator does not separate the generator's samples: its AUC has been "
        f"below {auc_floor:.2f} for the last {len(after)} logged windows after warmup (best "
        f"{best:.3f} at any time) while the generator's MLM loss fell {first:.2f} -> "
        f"{last:.2f}: its features are not useful yet (at mini size after 19M tokens they "
        f"fine-tuned worse than random initialisation; {RESULTS_HINT})"
    )
