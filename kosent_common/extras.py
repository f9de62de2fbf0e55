"""kosent's optional parts (the extras in pyproject.toml): the modules each one provides, and the
one-line error a command gives when the extra it needs is not installed.

The core (corpus, vocab, TFRecords) needs none of them. A command checks what it needs before
it starts (`require`), so a missing extra is `error: ... pip install 'kosent[EXTRA]'` and exit
status 2, not an ImportError from deep inside a stage."""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable

# extra -> the top-level modules it installs that kosent imports
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "crawl": ("scrapy",),
    "redis": ("scrapy_redis", "redis"),
    "ray": ("ray",),
    "kiwi": ("kiwipiepy",),
    "pretrain": ("keras", "keras_hub", "safetensors"),
    "tensorflow": ("tensorflow", "tensorboard"),
    "jax": ("jax",),
    "torch": ("torch",),
    "finetune": ("transformers", "torch", "sklearn", "safetensors"),
}


class MissingExtra(ImportError):
    """A command needs an extra that is not installed; the message says what to install."""


def installed(module: str) -> bool:
    """Whether `module` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(extra: str, purpose: str, modules: tuple[str, ...] | None = None) -> None:
    """Raise MissingExtra unless `extra`'s modules (or just `modules` of it) are installed."""
    wanted = EXTRA_MODULES[extra] if modules is None else modules
    absent = [module for module in wanted if not installed(module)]
    if absent:
        raise MissingExtra(
            f"{purpose} needs {absent[0]}, which is not installed: pip install 'kosent[{extra}]'"
        )


def exits_on_missing_extra(main: Callable[..., int | None]) -> Callable[..., int | None]:
    """Wrap a CLI's `main`: a MissingExtra becomes one `error:` line on stderr and exit 2."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except MissingExtra as err:
            print(f"error: {err}", file=sys.stderr)
            return 2

    return wrapper
