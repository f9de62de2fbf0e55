"""The Reviews contract: what the crawler writes and the corpus stage reads."""

import pyarrow as pa

REVIEWS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("place_id", pa.string(), nullable=False),
        pa.field("place_name", pa.string()),
        pa.field("review_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("rating", pa.float32()),
        pa.field("written_at", pa.date32()),
        pa.field("crawled_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("url", pa.string()),
    ]
)
