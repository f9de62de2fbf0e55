import pytest

from crawler.arguments import SpiderArgumentError, check_arguments


def test_arguments_are_parsed():
    checked = check_arguments({"source": "generic", "site": "s", "places": "1,2", "max_pages": "3"})
    assert checked.max_pages == 3 and checked.max_search_pages == 10
    assert checked.adapter_options == {"site": "s"} and checked.places == "1,2"
    assert check_arguments({"source": "kakao", "places": "1", "_job": "abc"}).max_pages is None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"source": "kakao", "places": "1", "max_pages": "abc"}, "max_pages=abc: must be a whole"),
        ({"source": "kakao", "places": "1", "max_pages": "0"}, "max_pages=0: must be a whole"),
        ({"source": "kakao", "query": "q", "max_search_pages": "-1"}, "max_search_pages=-1"),
        ({"source": "kakao", "places": "1", "max_page": "3"}, "did you mean max_pages?"),
        ({"source": "kakao", "place": "1"}, "did you mean places?"),
        ({"source": "generic", "site": "s", "sites_fil": "f", "places": "1"}, "sites_file?"),
        ({"source": "diningcode", "query": "q", "sites_file": "f"}, "argument of source generic"),
        ({"places": "1"}, "source= must be one of"),
        ({"source": "kakao", "places": ""}, "nothing to crawl"),
    ],
)
def test_bad_arguments_are_errors(arguments, message):
    with pytest.raises(SpiderArgumentError, match=message.replace("?", r"\?")):
        check_arguments(arguments)
