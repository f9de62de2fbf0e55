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

demo: $(STAMP)
	$(PY) -m demo.run --out data/demo

bench: $(STAMP)
	$(PY) bench/crawl.py
	$(PY) bench/corpus_build.py
	$(PY) -m vocab.build --corpus /tmp/kosent-bench/corpus-b/bench --out /tmp/kosent-bench/vocab --vocab-size 32000
	$(PY) bench/tfrecords.py --vocab-file /tmp/kosent-bench/vocab/vocab.txt
	OMP_NUM_THREADS=2 $(PY) bench/finetune_loop.py --vocab-dir /tmp/kosent-bench/vocab
	OMP_NUM_THREADS=2 $(PY) bench/pretrain_step.py

clean:
	rm -rf data/demo .pytest_cache
