from corpus.readers.nsmc import read_nsmc
from corpus.sources import get_source


def test_reads_every_row_with_quoting_off(fixtures, rejects):
    path = fixtures / "nsmc" / "ratings_train.txt"
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    docs = list(read_nsmc(path, "nsmc", rejects))
    # every data row is either a document or an empty_document reject
    assert len(docs) + len(rejects) == len(rows)
    by_id = {d.doc_id: d for d in docs}
    first_id, first_text, first_label = rows[0].split("\t")
    assert by_id[first_id].text == first_text
    assert by_id[first_id].meta == {"label": first_label, "split": "ratings_train"}


def test_doubled_quotes_are_kept_verbatim(fixtures, rejects):
    docs = {
        d.doc_id: d for d in read_nsmc(fixtures / "nsmc" / "ratings_train.txt", "nsmc", rejects)
    }
    # row 167 of NSMC train: CSV quoting would strip and merge these quotes
    raw = next(
        line
        for line in (fixtures / "nsmc" / "ratings_train.txt").open(encoding="utf-8")
        if line.startswith("10122280\t")
    )
    assert docs["10122280"].text == raw.split("\t")[1]
    assert docs["10122280"].text.startswith('"""영화 끝나갈때쯤에')


def test_empty_documents_are_counted_not_kept(fixtures, rejects):
    docs = list(read_nsmc(fixtures / "nsmc" / "ratings_train.txt", "nsmc", rejects))
    assert rejects.reasons() == ["empty_document", "empty_document"]
    assert {"2172111", "6369843"} & {d.doc_id for d in docs} == set()
    assert all(d.text.strip() for d in docs)


def test_malformed_row_is_rejected(tmp_path, rejects):
    path = tmp_path / "ratings_train.txt"
    path.write_text(
        "id\tdocument\tlabel\n1\t좋아요\t1\nbroken row without tabs\n2\t별로\t0\n", encoding="utf-8"
    )
    docs = list(read_nsmc(path, "nsmc", rejects))
    assert [d.doc_id for d in docs] == ["1", "2"]
    assert rejects.reasons() == ["malformed_row"]
    assert rejects[0].location == "line 3"


def test_test_split_is_recognised(fixtures):
    nsmc = get_source("nsmc")
    assert nsmc.is_test_split(fixtures / "nsmc" / "ratings_test.txt")
    assert nsmc.is_test_split(fixtures / "nsmc" / "Ratings_TEST_2.txt")
    assert not nsmc.is_test_split(fixtures / "nsmc" / "ratings_train.txt")
