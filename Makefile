# Two commands: `make demo` (the main job on bundled data) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup lock test test-all test-lowest lint demo nsmc bench bench-quality redis-server clean

# kosent[dev] (every extra + test tools) at the exact versions in constraints.txt, the set CI
# tests; setup.py + corpus/_kss_core.pyx: `pip install -e` (re)builds the compiled kss splitter
$(STAMP): pyproject.toml constraints.txt setup.py corpus/_kss_core.pyx
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Re-resolve the ranges in pyproject.toml in a scratch venv and write the newest set that
# installs as constraints.txt (then `make test` checks it). torch stays at its locked version
# (TORCH=... to move it): an open torch resolves to the multi-GB CUDA build on Linux x86_64,
# while the locked version is the CPU build where a local wheel provides it.
TORCH ?= $(shell grep '^torch==' constraints.txt)
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	echo '$(TORCH)' > .venv-lock/torch.txt
	.venv-lock/bin/python -m pip install --quiet -c .venv-lock/torch.txt -e '.[dev]'
	{ sed -n '1,3p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable \
	  | grep -v '^kosent' | sed 's/+cpu$$//'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf .venv-lock

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

# The core at its lowest supported versions (constraints-lowest.txt): a scratch venv with the
# core and the test tools only, and the tests that need no extra (TensorFlow parses records back,
# transformers loads vocabularies, datasets loads the card's shards, kiwi splits fastest: those
# run in `make test`).
LOWEST_SKIP := --ignore=tests/vocab/test_build.py \
	$(foreach f,cli example_proto tfrecord_file wordpiece writer,--ignore=tests/pretrain/tfrecords/test_$(f).py) \
	--deselect tests/corpus/test_dataset_card.py::test_datasets_loads_one_row_per_document \
	--deselect tests/corpus/test_split.py::test_kiwi_splitter_splits_korean_sentences \
	--deselect tests/corpus/test_sources.py::test_a_source_declared_in_the_registry_alone_is_known_everywhere
test-lowest:
	rm -rf .venv-lowest && $(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/python -m pip install --quiet --upgrade pip
	.venv-lowest/bin/python -m pip install --quiet -c constraints-lowest.txt . pytest hypothesis psutil
	.venv-lowest/bin/python -m pytest -q -p no:cacheprovider tests/corpus tests/vocab tests/pretrain/tfrecords $(LOWEST_SKIP)

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
	$(PY) -m bench.crawl
	$(PY) -m bench.scaling
	$(PY) -m bench.corpus_build
	$(PY) -m vocab.build --corpus /tmp/kosent-bench/corpus-b/bench --out /tmp/kosent-bench/vocab --vocab-size 32000
	$(PY) -m bench.tfrecords --vocab-file /tmp/kosent-bench/vocab/vocab.txt
	OMP_NUM_THREADS=2 $(PY) -m bench.finetune_loop --vocab-dir /tmp/kosent-bench/vocab
	$(PY) -m bench.nsmc_text --out /tmp/kosent-bench/nsmc
	$(PY) -m vocab.build --corpus /tmp/kosent-bench/nsmc --out /tmp/kosent-bench/vocab8k --vocab-size 8000
	$(PY) -m pretrain.tfrecords --corpus-dir /tmp/kosent-bench/nsmc --vocab-file /tmp/kosent-bench/vocab8k/vocab.txt --output-dir /tmp/kosent-bench/rec8k-64 --max-seq-length 64 --pack-across-docs --overwrite
	$(PY) -m vocab.build --corpus /tmp/kosent-bench/nsmc --out /tmp/kosent-bench/vocab32k --vocab-size 32000
	$(PY) -m pretrain.tfrecords --corpus-dir /tmp/kosent-bench/nsmc --vocab-file /tmp/kosent-bench/vocab32k/vocab.txt --output-dir /tmp/kosent-bench/rec32k-128 --max-seq-length 128 --pack-across-docs --overwrite
	$(PY) -m bench.pretrain_step --records 8000:64=/tmp/kosent-bench/rec8k-64 --records 32000:128=/tmp/kosent-bench/rec32k-128 --sizes mini,small

# Pretrained arms vs random init on NSMC: probe, low-label and all-label fine-tuning (~4 h on 2 cores;
# reads ../shared/data; --budget-minutes, --subsets, --full-seeds 0 for a shorter run).
bench-quality: $(STAMP)
	$(PY) -m experiments.quality

clean:
	rm -rf data/demo .pytest_cache
