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
    """A warning when, after warmup, the discriminator's logged AUC against the generator has
    never reached `auc_floor` over at least `min_windows` windows and `min_steps` steps while the
    generator learned (MLM accuracy up by 0.05 or more); else None.

    The pattern is what a too-high learning rate gives a post-LN ELECTRA: the generator learns,
    the discriminator sits at the replaced-token prior (its loss near that rate's entropy), and
    its features fine-tune worse than random initialisation."""
    after = [row for row in history if row["step"] > warmup_steps]
    if len(after) < min_windows or after[-1]["step"] - warmup_steps < min_steps:
        return None
    best = max(row["disc_auc"] for row in history)
    first, last = history[0]["mlm_accuracy"], history[-1]["mlm_accuracy"]
    if best >= auc_floor or last - first < 0.05:
        return None
    return (
        f"warning: the discriminator is not learning: its AUC against the generator has stayed "
        f"below {auc_floor:.2f} (best {best:.3f}) for {after[-1]['step'] - warmup_steps} steps "
        f"after warmup, while the generator's MLM accuracy rose {first:.3f} -> {last:.3f}. "
        f"A lower learning rate is the usual fix (mini: 3e-4 learns, 5e-4 and 1e-3 stall; "
        f"{RESULTS_HINT})"
    )
