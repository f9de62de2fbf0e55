"""The stalled-discriminator warning fires on the logged patterns of a discriminator left in the
token-frequency phase (never separated the samples; separated them early and fell back) and
stays silent while it separates them, during warmup, or on too short a log."""

from pretrain.train.health import stalled_discriminator


def log(pairs: list[tuple[float, float]], every: int) -> list[dict]:
    """Windows of (disc AUC, generator MLM loss) logged every `every` steps."""
    return [
        {"step": every * (i + 1), "disc_auc": auc, "mlm_loss": loss}
        for i, (auc, loss) in enumerate(pairs)
    ]


# Logged windows of experiments/disc_learning.py's mini runs at batch 128 (RESULTS.md), every other
# window: lr 1e-3, 800 steps, warmup 80 (never separated); lr 1e-4, 600 steps, warmup 60.
STALLED = [
    (0.527, 7.62),
    (0.547, 6.95),
    (0.555, 6.72),
    (0.550, 6.55),
    (0.550, 6.44),
    (0.545, 6.37),
    (0.545, 6.32),
    (0.544, 6.28),
    (0.546, 6.28),
    (0.544, 6.27),
]
SEPARATING = [
    (0.514, 8.89),
    (0.518, 8.46),
    (0.788, 7.95),
    (0.797, 7.77),
    (0.781, 7.64),
    (0.765, 7.56),
    (0.758, 7.48),
    (0.742, 7.43),
    (0.739, 7.39),
    (0.736, 7.39),
]
# The quality benchmark's indomain arm at lr 3e-4 (windows of 116 steps, warmup 233).
FELL_BACK = [
    (0.504, 8.794),
    (0.702, 7.532),
    (0.584, 7.002),
    (0.566, 6.884),
    (0.561, 6.789),
    (0.560, 6.709),
    (0.557, 6.672),
    (0.557, 6.611),
]


def test_warns_when_the_generator_learns_and_the_discriminator_never_separates():
    warning = stalled_discriminator(log(STALLED, every=80), warmup_steps=80)
    assert warning is not None
    assert warning.startswith("warning: the discriminator does not separate")
    assert "best 0.555" in warning and "7.62 -> 6.27" in warning


def test_warns_when_the_discriminator_separated_early_and_fell_back():
    windows = log(FELL_BACK, every=116)
    warning = stalled_discriminator(windows, warmup_steps=233)
    assert warning is not None and "best 0.702" in warning
    # up to step 696, 4 windows after warmup (5 needed): not yet
    assert stalled_discriminator(windows[:6], warmup_steps=233) is None


def test_silent_while_the_discriminator_separates_the_samples():
    assert stalled_discriminator(log(SEPARATING, every=60), warmup_steps=60) is None


def test_silent_during_warmup_and_on_a_short_log():
    assert stalled_discriminator(log(STALLED, every=80), warmup_steps=800) is None
    assert stalled_discriminator(log(STALLED[:4], every=80), warmup_steps=80) is None
    assert stalled_discriminator(log(STALLED, every=10), warmup_steps=0) is None  # 100 steps


def test_silent_when_the_generator_has_not_learned_either():
    flat = [(0.52, 8.9)] * 10
    assert stalled_discriminator(log(flat, every=80), warmup_steps=80) is None
