# Two commands: `make demo` (the main job on bundled data) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test test-all lint demo bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

test-all: $(STAMP)
	$(PY) -m pytest -q -m ''

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

DEMO := data/demo
demo: $(STAMP)
	$(PY) -m corpus.build --recipe demo --recipes demo/recipes.toml --sources demo/sources.toml --out $(DEMO)/corpus --workers 2
	$(PY) -m vocab.build --corpus $(DEMO)/corpus/demo --out $(DEMO)/vocab --recipe demo --recipes demo/recipes.toml --limit-alphabet 3000
	$(PY) -m pretrain.tfrecords --corpus-dir $(DEMO)/corpus/demo --vocab-file $(DEMO)/vocab/vocab.txt --output-dir $(DEMO)/tfrecords/L128 --max-seq-length 128 --num-processes 2
	$(PY) -m pretrain.train --config demo/pretrain.json --data $(DEMO)/tfrecords/L128 --out $(DEMO)/run
	$(PY) -m pretrain.export $(DEMO)/run
	$(PY) -m finetune.nsmc --model $(DEMO)/run/hf/discriminator --config demo/finetune.json
	$(PY) -m finetune.nsmc --baseline tfidf --config demo/finetune.json --out $(DEMO)/nsmc-tfidf
	@echo "demo done under $(DEMO)/: corpus (report: $(DEMO)/corpus/demo/report/summary.md), vocab, TFRecords, run/hf, nsmc/results.json"

bench: $(STAMP)
	$(PY) bench/corpus_build.py
	$(PY) -m vocab.build --corpus /tmp/kosent-bench/corpus-b/bench --out /tmp/kosent-bench/vocab --vocab-size 32000
	$(PY) bench/tfrecords.py --vocab-file /tmp/kosent-bench/vocab/vocab.txt
	OMP_NUM_THREADS=2 $(PY) bench/finetune_loop.py --vocab-dir /tmp/kosent-bench/vocab
	OMP_NUM_THREADS=2 $(PY) bench/pretrain_step.py

clean:
	rm -rf data/demo .pytest_cache
