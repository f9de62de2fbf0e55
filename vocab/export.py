"""Write a tokenizer folder that transformers' ElectraTokenizer(Fast) loads as it is."""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import BertWordPieceTokenizer

from kosent_common.atomic import write_bytes_atomic, write_json_atomic
from kosent_common.electra import MAX_POSITIONS
from vocab.schema import SPECIAL_TOKENS_MAP, TOKENIZER_CONFIG


def vocab_tokens(tokenizer: BertWordPieceTokenizer) -> list[str]:
    by_id = sorted(tokenizer.get_vocab(with_added_tokens=True).items(), key=lambda kv: kv[1])
    tokens = [token for token, _ in by_id]
    if [i for _, i in by_id] != list(range(len(by_id))):
        raise ValueError("token ids are not contiguous from 0")
    return tokens


def write_tokenizer_folder(
    tokenizer: BertWordPieceTokenizer, out_dir: Path, max_length: int = MAX_POSITIONS
) -> None:
    out_dir = Path(out_dir)
    tokens = vocab_tokens(tokenizer)
    write_bytes_atomic(out_dir / "vocab.txt", ("\n".join(tokens) + "\n").encode("utf-8"))
    write_bytes_atomic(out_dir / "tokenizer.json", tokenizer.to_str(pretty=True).encode("utf-8"))
    config = {**TOKENIZER_CONFIG, "model_max_length": max_length}
    write_json_atomic(out_dir / "tokenizer_config.json", config)
    write_json_atomic(out_dir / "special_tokens_map.json", SPECIAL_TOKENS_MAP)


def load_tokenizer_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
