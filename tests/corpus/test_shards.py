import polars as pl
import pyarrow.parquet as pq

from corpus.schema import SHARD_SCHEMA
from corpus.shard_task import cut_shards
from corpus.shards import init_worker, shard_name, write_shard


def test_shard_formats_agree(tmp_path):
    docs = pl.DataFrame(
        {
            "source": ["nsmc", "nsmc", "kcbert", "kcbert"],
            "doc_id": ["1", "2", "c:1", "c:2"],
            "text": ["재밌어요. 또 볼래요", "!!!", "첫 줄입니다\n둘째 줄입니다", " \n "],
        }
    )
    init_worker("kss")
    state, empty = write_shard(tmp_path, shard_name(3, 1), docs)

    text = (tmp_path / "text" / "shard-00003-0001.txt").read_text(encoding="utf-8")
    assert text == "재밌어요.\n또 볼래요\n\n!!!\n\n첫 줄입니다\n둘째 줄입니다\n"
    table = pq.read_table(tmp_path / "parquet" / "shard-00003-0001.parquet")
    assert table.schema.equals(SHARD_SCHEMA)
    rebuilt = "\n\n".join("\n".join(s) for s in table.column("sentences").to_pylist()) + "\n"
    assert rebuilt == text
    assert table.column("doc_id").to_pylist() == ["1", "2", "c:1"]
    assert state["per_source"]["nsmc"]["sentences"] == 3
    assert state["per_source"]["kcbert"]["no_sentences"] == 1 and empty == [3]
    assert not list(tmp_path.rglob(".*tmp*"))  # no temporary files left behind


def test_the_document_that_reaches_the_limit_closes_the_shard():
    frame = pl.DataFrame({"text": ["가" * 10, "나" * 10, "다" * 10, "라"]})  # 30, 30, 30, 3 bytes
    chunks = cut_shards(frame, 60)
    assert [c["text"].to_list() for c in chunks] == [["가" * 10, "나" * 10], ["다" * 10, "라"]]
    assert cut_shards(frame.head(0), 60) == []
    assert [c.height for c in cut_shards(frame, 1)] == [1, 1, 1, 1]
