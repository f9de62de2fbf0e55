"""The compiled kss-mecab core (corpus/_kss_core.pyx) and the reference it must match.

`load_core()` returns the compiled core, or None (with one warning) when the extension was
not built. `reference_split(line)` is kss 6.0.6 itself, run as a fresh process would run it:
kss keeps state between calls (every URL/e-mail ever seen in a class-level dict, and
lru_caches keyed on syllables that can hand one line the syllable objects of another), so
the oracle resets that state before each line. The core never keeps such state.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

EXTENSION_MISSING = (
    "corpus._kss_core (the compiled kss splitter) is not built: falling back to the reference "
    "kss path, ~12x slower (build it with `pip install -e .`)"
)


@cache
def load_core() -> Any | None:
    """The compiled core (`Core().split(line)`), or None after warning once."""
    try:
        from corpus._kss_core import Core
    except ImportError:
        warnings.warn(EXTENSION_MISSING, RuntimeWarning, stacklevel=2)
        return None
    return Core()


def _reset_kss_state() -> None:
    from kss._modules.sentences import split_sentences as module
    from kss._modules.sentences.embracing_processor import EmbracingProcessor
    from kss._modules.sentences.sentence_processor import SentenceProcessor
    from kss._utils.const import backup_normal

    normal = SentenceProcessor._normal_backup
    if len(normal) != len(backup_normal):
        normal.clear()
        normal.update({k: str(abs(hash(k))) for k in sorted(backup_normal)})
    module._split_sentences.cache_clear()
    EmbracingProcessor._realign_sub_sentences.cache_clear()
    for processor in (*module.preprocessors.values(), *module.postprocessors.values()):
        processor.backup.cache_clear()
        processor.restore.cache_clear()


def reference_split(line: str) -> Any:
    """kss.split_sentences(line, backend="mecab") with kss's cross-call state reset first."""
    import kss

    _reset_kss_state()
    return kss.split_sentences(line, backend="mecab", num_workers=1)
