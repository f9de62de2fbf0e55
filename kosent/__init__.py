"""The stage graph: corpus -> vocab -> tfrecords -> pretrain -> export -> nsmc, as one command
(`python -m kosent`) and as the code the demo, the benches and the end-to-end tests call.

`kosent.stages` knows the stages (what each writes, the manifest that marks it complete, what it
reads, its command line); `kosent.fingerprint` decides whether a finished stage still matches
its inputs; `kosent.run` runs the stages in order as subprocesses; `kosent.report` is the summary
table."""
