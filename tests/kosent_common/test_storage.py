import hashlib

from kosent_common import storage


def test_sha256_of_a_file_is_of_its_bytes(tmp_path):
    vocab = tmp_path / "vocab.txt"
    data = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n##로\n" * 50_000  # over one read block
    vocab.write_text(data, encoding="utf-8")
    assert storage.sha256(str(vocab)) == hashlib.sha256(data.encode()).hexdigest()
