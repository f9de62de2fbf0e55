import polars as pl
import pyarrow.parquet as pq

from corpus.schema import SHARD_SCHEMA
from corpus.shards import ShardTask, chunk_sha256, finished_shard, init_worker, process_shard


def test_shard_formats_agree_and_mark_done(tmp_path):
    docs = pl.DataFrame(
        {
            "source": ["nsmc", "nsmc", "kcbert"],
            "doc_id": ["1", "2", "c:1"],
            "text": ["재밌어요. 또 볼래요", "!!!", "첫 줄입니다\n둘째 줄입니다"],
        }
    )
    init_worker("kss")
    task = ShardTask(index=3, out_dir=tmp_path, docs=docs, input_sha256=chunk_sha256(docs))
    state = process_shard(task)

    text = (tmp_path / "text" / "shard-00003.txt").read_text(encoding="utf-8")
    assert text == "재밌어요.\n또 볼래요\n\n!!!\n\n첫 줄입니다\n둘째 줄입니다\n"
    table = pq.read_table(tmp_path / "parquet" / "shard-00003.parquet")
    assert table.schema.equals(SHARD_SCHEMA)
    rebuilt = "\n\n".join("\n".join(s) for s in table.column("sentences").to_pylist()) + "\n"
    assert rebuilt == text
    assert table.column("doc_id").to_pylist() == ["1", "2", "c:1"]
    assert state["per_source"]["nsmc"]["sentences"] == 3
    assert finished_shard(tmp_path, 3, task.input_sha256) == state
    assert finished_shard(tmp_path, 3, "other input") is None
    assert not list(tmp_path.rglob(".*tmp*"))  # no temporary files left behind
