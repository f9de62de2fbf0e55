import email.utils

import pytest

from crawler.middlewares import retry_after_seconds
from crawler.places import read_places
from crawler.sources.base import Place


def test_retry_after_seconds_forms():
    assert retry_after_seconds(b"120") == 120.0
    now = 1_700_000_000.0
    assert retry_after_seconds(
        email.utils.formatdate(now + 30, usegmt=True), now=now
    ) == pytest.approx(30)
    assert retry_after_seconds(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_read_places(tmp_path):
    path = tmp_path / "places.tsv"
    path.write_text("# kakao ids\n123\t국밥집\n\n456\n123\tdup\n", encoding="utf-8")
    assert read_places("9, 123", str(path)) == [Place("9"), Place("123"), Place("456")]
    with pytest.raises(ValueError, match="does not exist"):
        read_places(None, str(tmp_path / "missing"))
    (tmp_path / "bad.tsv").write_text("\tname\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:1"):
        read_places(None, str(tmp_path / "bad.tsv"))
