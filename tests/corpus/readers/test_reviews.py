import pyarrow.parquet as pq

from corpus.readers.reviews import read_reviews
from crawler.schema import REVIEWS_SCHEMA


def test_reads_the_reviews_contract(fixtures, rejects):
    path = fixtures / "reviews" / "part-fixture-0.parquet"
    table = pq.read_table(path)
    assert table.schema.equals(REVIEWS_SCHEMA)
    docs = list(read_reviews(path, "reviews", rejects))
    assert len(docs) == table.num_rows and not rejects
    row = table.slice(0, 1).to_pylist()[0]
    assert docs[0].doc_id == f"{row['source']}/{row['review_id']}"
    assert docs[0].text == row["text"]
    assert len({d.doc_id for d in docs}) == len(docs)


def test_truncated_parquet_is_rejected(fixtures, tmp_path, rejects):
    data = (fixtures / "reviews" / "part-fixture-0.parquet").read_bytes()
    truncated = tmp_path / "part-truncated.parquet"
    truncated.write_bytes(data[: len(data) // 2])
    assert list(read_reviews(truncated, "reviews", rejects)) == []
    assert rejects.reasons() == ["unreadable_parquet"]
    assert str(truncated) == rejects[0].path
