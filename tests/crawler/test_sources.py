import datetime as dt
import json

import pytest

from crawler.sources.base import MalformedPage, Place, parse_date
from crawler.sources.diningcode import parse_review_fragment, parse_search_page
from crawler.sources.generic import SiteSpec, load_generic_sites, parse_generic_page
from crawler.sources.kakao import parse_kakao_page

PLACE = Place("p1", "식당")


def kakao_body(reviews, has_next):
    return json.dumps({"reviews": reviews, "has_next": has_next}, ensure_ascii=False)


def test_kakao_page_maps_fields_and_pages_on_the_last_id():
    body = kakao_body(
        [
            {
                "review_id": 11,
                "star_rating": 4,
                "contents": "맛있어요",
                "registered_at": "2024-05-01T12:00:00",
                "meta": {"owner": {"nickname": "닉", "map_user_id": "u1"}},
            },
            {"review_id": 10, "star_rating": None, "contents": "별로", "registered_at": None},
        ],
        True,
    )
    page = parse_kakao_page(body, PLACE, "http://x")
    assert [r.review_id for r in page.reviews] == ["11", "10"]  # ids are strings in our schema
    assert page.reviews[0].rating == 4.0 and page.reviews[0].written_at == dt.date(2024, 5, 1)
    assert page.reviews[1].rating is None and page.reviews[1].written_at is None
    assert page.next_cursor == 10
    assert "닉" not in repr(page.reviews) and "u1" not in repr(page.reviews)


def test_kakao_last_page_and_bad_records():
    page = parse_kakao_page(
        kakao_body([{"contents": "no id"}, {"review_id": 3, "contents": "ok"}], False), PLACE, "u"
    )
    assert [r.review_id for r in page.reviews] == ["3"]
    assert page.next_cursor is None
    assert [reason for reason, _ in page.rejects] == ["missing_field"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"reviews": [{"review_id": 1, "contents": "잘린', "malformed_json"),
        ('{"has_next": false}', "missing_field"),
        ('{"reviews": [], "has_next": true}', "empty_page_has_next"),
        ("[1, 2]", "missing_field"),
    ],
)
def test_kakao_malformed_pages(body, reason):
    with pytest.raises(MalformedPage) as err:
        parse_kakao_page(body, PLACE, "u")
    assert err.value.reason == reason


def block(rid, text, width=80, date="2023년 3월 5일"):
    return (
        f'<div class="latter-graph" id="div_review_{rid}"><p class="person-grade"><span class="star-date">'
        f'<i class="star"><i style="width:{width}%"></i></i><i class="date">{date}</i></span></p>'
        f'<p class="review_contents btxt">{text}</p></div>'
    )


def test_diningcode_fragment():
    page = parse_review_fragment(
        block(7, "국물이 <b>진해요</b>") + block(8, "친절", 100), PLACE, 2, "u"
    )
    assert [(r.review_id, r.text, r.rating) for r in page.reviews] == [
        ("7", "국물이 진해요", 4.0),
        ("8", "친절", 5.0),
    ]
    assert page.reviews[0].written_at == dt.date(2023, 3, 5)
    assert page.next_cursor == 3


def test_diningcode_empty_body_ends_and_truncated_block_is_rejected():
    assert parse_review_fragment("  \n", PLACE, 4, "u").next_cursor is None
    truncated = block(7, "좋아요") + block(8, "잘린")[:-60]
    page = parse_review_fragment(
        truncated.split('<p class="review_contents btxt">잘린')[0], PLACE, 1, "u"
    )
    assert [r.review_id for r in page.reviews] == ["7"]
    assert [reason for reason, _ in page.rejects] == ["missing_field"]
    with pytest.raises(MalformedPage):
        parse_review_fragment("<html>점검 중</html>", PLACE, 1, "u")


def test_diningcode_without_site_id_uses_a_stable_content_hash():
    fragment = block(0, "맛집").replace(' id="div_review_0"', "")
    first = parse_review_fragment(fragment, PLACE, 1, "u").reviews[0].review_id
    assert (
        first.startswith("h")
        and first == parse_review_fragment(fragment, PLACE, 1, "u").reviews[0].review_id
    )


def test_diningcode_search_pages():
    body = {
        "result_code": "100",
        "result_data": {
            "poi_section": {
                "total_cnt": 25,
                "list": [{"v_rid": "AbC", "nm": "국밥집", "branch": "본점"}, {"nm": "no id"}],
            }
        },
    }
    places, next_page = parse_search_page(json.dumps(body), 1)
    assert places == [Place("AbC", "국밥집 본점")] and next_page == 2
    assert parse_search_page(json.dumps(body), 2)[1] is None


def test_parse_date_forms():
    today = dt.date(2026, 2, 1)
    assert parse_date("2024.05.01.") == dt.date(2024, 5, 1)
    assert parse_date("2024년 5월 1일") == dt.date(2024, 5, 1)
    assert parse_date("1월 20일", today) == dt.date(2026, 1, 20)
    assert parse_date("3월 2일", today) == dt.date(2025, 3, 2)  # never in the future
    assert parse_date("어제") is None and parse_date("2024-13-45") is None


def test_generic_html_and_json_sites(tmp_path):
    toml = tmp_path / "sites.toml"
    toml.write_text(
        '[sites.h]\nurl = "http://h/{place_id}?p={page}"\nreviews = "css:div.r"\nreview_id = "xpath:@data-id"\n'
        'text = "css:p ::text"\nrating = "css:b::text"\nrating_scale = 0.5\nplace_name = "css:h1::text"\n'
        '[sites.j]\nurl = "http://j/{place_id}/{page}"\nformat = "json"\nreviews = "jmespath:data.items[]"\n'
        'review_id = "jmespath:id"\ntext = "jmespath:body"\nwritten_at = "jmespath:date"\nfirst_page = 0\n',
        encoding="utf-8",
    )
    sites = load_generic_sites(toml)
    html = '<h1>가게</h1><div class="r" data-id="a1"><p>정말 <i>좋아</i></p><b>8</b></div><div class="r"><p>no id</p></div>'
    page = parse_generic_page(sites["h"], html, "http://h/1?p=1", Place("1"), 1)
    assert [(r.review_id, r.text, r.rating, r.place_name) for r in page.reviews] == [
        ("a1", "정말 좋아", 4.0, "가게")
    ]
    assert len(page.rejects) == 1 and page.next_cursor == 2
    body = json.dumps({"data": {"items": [{"id": 5, "body": "굿", "date": "2024-02-03"}]}})
    jpage = parse_generic_page(sites["j"], body, "u", Place("1"), 0)
    assert [(r.source, r.review_id, r.written_at) for r in jpage.reviews] == [
        ("j", "5", dt.date(2024, 2, 3))
    ]
    assert (
        parse_generic_page(sites["j"], '{"data": {"items": []}}', "u", Place("1"), 3).next_cursor
        is None
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'url = "http://x/{place_id}"\nreviews = "div"\nreview_id = "css:a"\ntext = "css:p"',
            "must start with",
        ),
        (
            'url = "http://x/"\nreviews = "css:div"\nreview_id = "css:a"\ntext = "css:p"',
            "{place_id}",
        ),
        (
            'url = "http://x/{place_id}"\nreviews = "css:div"\nreview_id = "css:a"\ntext = "css:p"\nnext = "x"',
            "unknown keys",
        ),
        ('url = "http://x/{place_id}"\nreviews = "css:div"\ntext = "css:p"', "review_id"),
    ],
)
def test_generic_spec_errors_are_clear(tmp_path, table, message):
    path = tmp_path / "s.toml"
    path.write_text("[sites.bad]\n" + table, encoding="utf-8")
    with pytest.raises(ValueError, match="bad") as err:
        load_generic_sites(path)
    assert message in str(err.value)


def test_site_spec_rejects_unknown_format():
    with pytest.raises(ValueError, match="format"):
        SiteSpec(
            name="x",
            url="{place_id}",
            reviews="css:a",
            review_id="css:b",
            text="css:c",
            format="xml",
        )


def test_html_text_keeps_line_breaks_and_words_whole():
    page = parse_review_fragment(
        block(1, "첫 줄<br>둘째 <b>줄</b>이에요<br/>  셋째"), PLACE, 1, "u"
    )
    assert page.reviews[0].text == "첫 줄\n둘째 줄이에요\n셋째"
