import pytest

from finetune.data import DataError, read_nsmc, train_dev_split, without_empty


def test_empty_documents_and_doubled_quotes(fixtures):
    split, empty = read_nsmc(fixtures / "nsmc" / "ratings_train.txt")
    assert empty == 2
    assert "nan" not in split.texts  # what the seed's pandas made of empty documents
    assert len(without_empty(split)) == len(split) - 2
    raw = next(
        line
        for line in (fixtures / "nsmc" / "ratings_train.txt").open(encoding="utf-8")
        if line.startswith("10122280\t")
    )
    assert split.texts[split.ids.index("10122280")] == raw.split("\t")[1]


def test_dev_split_is_seeded_and_disjoint(fixtures):
    split, _ = read_nsmc(fixtures / "nsmc" / "ratings_train.txt")
    train, dev = train_dev_split(split, 0.1, seed=7)
    again_train, again_dev = train_dev_split(split, 0.1, seed=7)
    other_train, other_dev = train_dev_split(split, 0.1, seed=8)
    assert dev.ids == again_dev.ids and train.ids == again_train.ids
    assert dev.ids != other_dev.ids
    assert not set(dev.ids) & set(train.ids)
    assert len(dev) + len(train) == len(split) and len(dev) == round(len(split) * 0.1)


def test_malformed_file_says_where(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("id\tdocument\tlabel\n1\t좋다\t1\n2\t별로\tneg\n", encoding="utf-8")
    with pytest.raises(DataError, match="bad.txt:3"):
        read_nsmc(path)
