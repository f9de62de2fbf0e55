"""The stage graph: corpus -> vocab -> tfrecords -> pretrain -> export -> nsmc, as one command
(`python -m kosent`) and as the code the demo, the benches and the end-to-end tests call.

Each stage describes itself beside its code (`corpus/stage.py`, `vocab/stage.py`,
`pretrain/tfrecords/stage.py`, `pretrain/train/stage.py`, `finetune/stage.py`): what it writes,
the files that mark it complete, what it reads, its command line, its checks and key figures,
as a `kosent_common.graph.Stage`. `kosent.stages` puts them in order; `kosent.validate` checks every
input before the first stage runs; `kosent.fingerprint` decides whether a finished stage still
matches its inputs; `kosent.keep` whether a rerun may discard its output; `kosent.run` runs the
stages in order as subprocesses; `kosent.report` is the summary table. None of them names a
stage."""
