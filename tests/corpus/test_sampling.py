import polars as pl

from corpus.sampling import sample_frame


def frame(n):
    return pl.DataFrame(
        {
            "source": ["reviews"] * n + ["nsmc"] * n,
            "doc_id": [str(i) for i in range(n)] * 2,
            "text": ["t"] * (2 * n),
        }
    )


def test_fraction_is_respected_and_other_sources_untouched():
    kept, drops = sample_frame(frame(20_000), {"reviews": 0.1}, seed=1)
    reviews = kept.filter(pl.col("source") == "reviews").height
    assert 1_800 < reviews < 2_200
    assert kept.filter(pl.col("source") == "nsmc").height == 20_000
    assert drops == {("reviews", "not_sampled"): 20_000 - reviews}


def test_seeded_and_independent_of_batching():
    whole, _ = sample_frame(frame(5_000), {"reviews": 0.3}, seed=5)
    parts = [
        sample_frame(part, {"reviews": 0.3}, seed=5)[0] for part in frame(5_000).iter_slices(777)
    ]
    assert pl.concat(parts).equals(whole)
    other, _ = sample_frame(frame(5_000), {"reviews": 0.3}, seed=6)
    assert not other.equals(whole)
