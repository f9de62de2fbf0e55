import pytest
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

import pretrain.tfrecords.wordpiece
from pretrain.tfrecords.wordpiece import ChunkCachedWordPiece

ADVERSARIAL = [
    "Hello WORLD café 漢字 ㅋㅋ 😀",
    "x" * 150 + " 단어",
    "가나" * 60 + "로 " + "ㅋ" * 201,  # 121 and 201 characters: the original's limit is 200
    "a\x1fb  c",
    "漢字a字 b",
    "탭\t구분\u3000공백",
    '문장.끝!물음?  (괄호)"따옴표"',
    " 앞뒤 공백 ",
    "\u200b폭 없는 공백",
    "a\u00a0b",
    "ﬁ ligature",
    "[CLS] 가[SEP]나 [UNK]x [MASK]",  # text, not special tokens, as for FullTokenizer
    "##해시 #태그 ###",
    "ABC가나다XYZ abc",
    "가" * 101,
    "a" * 99 + "!!!",
    "끝\r",
    "",
    "   ",
]


def full_tokenizer(vocab_file, lower_case):
    """BERT's FullTokenizer as ported by transformers: basic tokenizer, then WordPiece
    (called directly: the class itself would keep `[CLS]` in text whole)."""
    bert = BertTokenizerLegacy(str(vocab_file), do_lower_case=lower_case, strip_accents=False)
    bert.wordpiece_tokenizer.max_input_chars_per_word = 200  # the original's; the port has 100

    def ids(line):
        words = bert.basic_tokenizer.tokenize(line)
        return bert.convert_tokens_to_ids(
            [t for w in words for t in bert.wordpiece_tokenizer.tokenize(w)]
        )

    return ids


@pytest.mark.parametrize("lower_case", [False, True])
def test_ids_equal_bert_full_tokenizer(vocab_file, corpus_lines, lower_case):
    ours = ChunkCachedWordPiece(str(vocab_file), lower_case)
    reference = full_tokenizer(vocab_file, lower_case)
    lines = corpus_lines[:3000] + ADVERSARIAL
    expected = [reference(line) for line in lines]
    assert ours.encode_lines(lines) == expected  # cold cache
    assert ours.encode_lines(lines[::-1]) == expected[::-1]  # from the cache
    whole_lines = ours.tokenizer.encode_batch(lines, add_special_tokens=False)
    assert [e.ids for e in whole_lines] == expected  # splitting at spaces changes nothing


def test_a_full_cache_starts_again_and_stays_exact(vocab_file, corpus_lines, monkeypatch):
    monkeypatch.setattr(pretrain.tfrecords.wordpiece, "MAX_CACHED_CHUNKS", 500)
    ours = ChunkCachedWordPiece(str(vocab_file))
    lines = corpus_lines[:2000]
    batches = [lines[i : i + 100] for i in range(0, len(lines), 100)]
    got = [ids for batch in batches for ids in ours.encode_lines(batch)]
    assert got == ChunkCachedWordPiece(str(vocab_file)).encode_lines(lines)
    last_block_chunks = {chunk for line in batches[-1] for chunk in line.split(" ")}
    assert 0 < len(ours._cache) <= max(500, len(last_block_chunks))
