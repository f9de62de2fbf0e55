# The seed's one-command NSMC benchmark on a GPU host:
#   cp /path/to/ratings_train.txt /path/to/ratings_test.txt .   # NSMC, as in the seed
#   docker compose up                                           # fine-tunes, prints the result
# The image runs the same commands as `make` (make setup, make nsmc). pip resolves the pinned
# torch==2.13.0 (constraints.txt) from PyPI here, which on Linux x86_64 is the CUDA 12 build.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends make build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt setup.py README.md Makefile scrapy.cfg ./
COPY kosent_common ./kosent_common
COPY corpus ./corpus
COPY crawler ./crawler
COPY vocab ./vocab
COPY pretrain ./pretrain
COPY finetune ./finetune
RUN make setup PYTHON=python3.11

ENV HF_HOME=/app/.cache/huggingface
CMD ["make", "nsmc"]
