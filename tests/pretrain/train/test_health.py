"""The stalled-discriminator warning fires on the logged patterns of a too-high learning rate
(never learned; learned in warmup, fell back at the peak) and stays silent while the
discriminator learns, during warmup, or on too short a log."""

from pretrain.train.health import stalled_discriminator


def log(pairs: list[tuple[float, float]], every: int = 40) -> list[dict]:
    """Windows of (disc AUC, MLM accuracy) logged every `every` steps."""
    return [
        {"step": every * (i + 1), "disc_auc": auc, "mlm_accuracy": acc}
        for i, (auc, acc) in enumerate(pairs)
    ]


# The logged windows of bench/disc_learning.py's mini runs at batch 128 (RESULTS.md): lr 1e-3
# (800 steps, stalled) and lr 3e-4 (300 steps, learned), every other window.
STALLED = [
    (0.504, 0.042),
    (0.547, 0.079),
    (0.549, 0.104),
    (0.546, 0.150),
    (0.547, 0.173),
    (0.545, 0.178),
    (0.546, 0.183),
    (0.546, 0.186),
    (0.544, 0.186),
    (0.544, 0.186),
]
# The quality benchmark's indomain arm at lr 3e-4 (windows of 116 steps, warmup 233): learned
# during warmup, fell back at the peak lr.
FELL_BACK = [
    (0.504, 0.044),
    (0.702, 0.073),
    (0.584, 0.078),
    (0.566, 0.096),
    (0.561, 0.109),
    (0.560, 0.122),
    (0.557, 0.129),
    (0.557, 0.138),
]
LEARNED = [
    (0.511, 0.001),
    (0.520, 0.074),
    (0.698, 0.072),
    (0.708, 0.073),
    (0.672, 0.070),
    (0.650, 0.077),
    (0.628, 0.074),
    (0.616, 0.075),
    (0.615, 0.077),
    (0.611, 0.074),
]


def test_warns_when_the_generator_learns_and_the_discriminator_does_not():
    warning = stalled_discriminator(log(STALLED, every=80), warmup_steps=80)
    assert warning is not None and warning.startswith("warning: the discriminator is not learning")
    assert "best 0.549" in warning and "0.042 -> 0.186" in warning


def test_warns_when_the_discriminator_learned_in_warmup_and_fell_back():
    windows = log(FELL_BACK, every=116)
    warning = stalled_discriminator(windows, warmup_steps=233)
    assert warning is not None and "best 0.702" in warning
    # up to step 696, 4 windows after warmup (5 needed): not yet
    assert stalled_discriminator(windows[:6], warmup_steps=233) is None


def test_silent_while_the_discriminator_learns():
    assert stalled_discriminator(log(LEARNED, every=30), warmup_steps=30) is None


def test_silent_during_warmup_and_on_a_short_log():
    assert stalled_discriminator(log(STALLED, every=80), warmup_steps=800) is None
    assert stalled_discriminator(log(STALLED[:4], every=80), warmup_steps=80) is None
    assert stalled_discriminator(log(STALLED, every=10), warmup_steps=0) is None  # 100 steps


def test_silent_when_nothing_learns_yet():
    flat = [(0.52, 0.05)] * 10
    assert stalled_discriminator(log(flat, every=80), warmup_steps=80) is None
