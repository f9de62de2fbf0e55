# Two commands: `make demo` (the main job on bundled data) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test test-all lint demo nsmc bench bench-quality redis-server clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

test: $(STAMP) redis-server
	$(PY) -m pytest -q

test-all: $(STAMP) redis-server
	$(PY) -m pytest -q -m ''

# The shared-frontier tests start a real redis-server; install it where apt-get can.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  command -v apt-get >/dev/null 2>&1 && \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server >/dev/null; } ; \
	  command -v redis-server >/dev/null 2>&1 || \
	  echo "redis-server is missing and apt-get could not install it: the Redis tests will fail and say so"; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

demo: $(STAMP)
	$(PY) -m demo.run --out data/demo

# The seed's NSMC benchmark: ratings_train.txt / ratings_test.txt in this folder (as the seed
# expects), MODEL a Hugging Face id or folder. `docker compose up` runs exactly this.
MODEL ?= damien-ir/kosentelectra-discriminator-v2
nsmc: $(STAMP)
	$(PY) -m finetune.nsmc --model $(MODEL) --config finetune/config.json

bench: $(STAMP)
	$(PY) bench/crawl.py
	$(PY) bench/scaling.py
	$(PY) bench/corpus_build.py
	$(PY) -m vocab.build --corpus /tmp/kosent-bench/corpus-b/bench --out /tmp/kosent-bench/vocab --vocab-size 32000
	$(PY) bench/tfrecords.py --vocab-file /tmp/kosent-bench/vocab/vocab.txt
	OMP_NUM_THREADS=2 $(PY) bench/finetune_loop.py --vocab-dir /tmp/kosent-bench/vocab
	OMP_NUM_THREADS=2 $(PY) bench/pretrain_step.py

# Pretrained vs random init on full NSMC (~30 min on 2 cores; reads ../shared/data).
bench-quality: $(STAMP)
	$(PY) bench/quality.py

clean:
	rm -rf data/demo .pytest_cache
