"""The trainer: ELECTRA pretraining with Keras 3 on TensorFlow, JAX or PyTorch
(`python -m pretrain.train`). Importing it picks the Keras backend unless KERAS_BACKEND is set."""

import importlib.util
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter


def _default_backend() -> str:
    """tensorflow (tf.distribute, TPUStrategy) where it is installed, else jax, else torch."""
    for name, module in (("tensorflow", "tensorflow"), ("jax", "jax"), ("torch", "torch")):
        if importlib.util.find_spec(module):
            return name
    return "tensorflow"


os.environ.setdefault("KERAS_BACKEND", _default_backend())
