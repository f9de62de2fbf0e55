"""The trainer: ELECTRA pretraining with Keras 3 on TensorFlow, JAX or PyTorch
(`python -m pretrain.train`). Importing it picks the Keras backend unless KERAS_BACKEND is set."""

import os

from kosent_common.extras import installed, require


def _default_backend() -> str:
    """tensorflow (tf.distribute, TPUStrategy) where it is installed, else jax, else torch."""
    for name, module in (("tensorflow", "tensorflow"), ("jax", "jax"), ("torch", "torch")):
        if installed(module):
            return name
    return "tensorflow"


os.environ.setdefault("KERAS_BACKEND", _default_backend())


def require_extras() -> None:
    """MissingExtra unless the running backend, Keras and keras-hub are installed."""
    backend = os.environ["KERAS_BACKEND"]
    if backend in ("tensorflow", "jax", "torch"):
        others = ", ".join(b for b in ("tensorflow", "jax", "torch") if b != backend)
        require(backend, f"pretraining (KERAS_BACKEND={backend}; or {others})")
    require("pretrain", "pretraining")
