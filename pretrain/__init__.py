"""Pretraining stage, in two wings: `pretrain.tfrecords` writes google-research/electra's
TFRecords (numpy and the tokenizer only, no TensorFlow or Keras), `pretrain.train` trains ELECTRA
on them with Keras 3 on any backend; `pretrain.export` turns a run into Hugging Face folders."""
