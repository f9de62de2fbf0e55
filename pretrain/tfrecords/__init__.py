"""The TFRecords engine: text folders and a vocab in, google-research/electra's pretraining
examples out (`python -m pretrain.tfrecords`). No TensorFlow or Keras: the tests parse its
output back with TensorFlow."""
