"""Pretraining stage: ELECTRA TFRecords, training, and export to Hugging Face format."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # the pretraining code is tf.distribute/TPU
