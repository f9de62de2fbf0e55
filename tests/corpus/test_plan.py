from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from corpus.plan import InputSlice, count_newlines, line_ranges, number_lines, plan_tasks
from corpus.readers.kcbert import read_kcbert
from corpus.readers.reviews import read_reviews


def numbered(sources, files, task_bytes):
    plan = plan_tasks(sources, files, task_bytes)
    ranges = line_ranges(plan.tasks)
    return plan, number_lines(plan.tasks, {r: count_newlines(r) for r in ranges})


def read_all(tasks, reader):
    rejects = []
    docs = [
        (d.doc_id, d.text)
        for task in tasks
        for part in task.slices
        for d in reader(Path(part.path), task.source, rejects.append, **part.reader_options())
    ]
    return docs, rejects


def test_a_large_line_file_is_cut_at_line_starts_and_numbered_as_a_whole(tmp_path):
    # Korean lines of uneven lengths, a blank line, a BOM, a bad byte and no final newline:
    # every range starts at a line start and the documents equal reading the whole file.
    lines = [("가나다라" * (i % 7 + 1)) + f"{i}번 댓글이에요ㅋㅋ" for i in range(400)]
    lines[10] = ""
    body = "\n".join(lines).encode()
    body = b"\xef\xbb\xbf" + body.replace("17번".encode(), b"\xff17", 1)
    path = tmp_path / "comments.txt"
    path.write_bytes(body)
    plan, tasks = numbered(("kcbert",), {"kcbert": [path]}, 2_000)
    assert len(tasks) > 10 and all(len(t.slices) == 1 for t in tasks)
    starts = [t.slices[0].start for t in tasks]
    assert starts[0] == 0 and all(body[s - 1 : s] == b"\n" for s in starts[1:])
    whole, whole_rejects = read_all(
        [plan_tasks(("kcbert",), {"kcbert": [path]}, 10**9).tasks[0]], read_kcbert
    )
    parts, part_rejects = read_all(tasks, read_kcbert)
    assert parts == whole and len(whole) == 398
    assert whole[0][1].startswith("가나다라")  # the BOM is dropped at the file start only
    assert [r.location for r in part_rejects] == [r.location for r in whole_rejects] == ["line 18"]


def test_small_files_of_a_source_are_grouped_and_a_test_split_is_left_out(tmp_path):
    files = []
    for i in range(5):
        files.append(tmp_path / f"ratings_{i}.txt")
        files[-1].write_text("id\tdocument\tlabel\n" + f"{i}\t좋아요\t1\n" * 50)
    test = tmp_path / "ratings_test.txt"
    test.write_text("id\tdocument\tlabel\n1\t별로\t0\n")
    plan = plan_tasks(("nsmc",), {"nsmc": [*files, test]}, 1_400)
    assert [len(t.slices) for t in plan.tasks] == [2, 2, 1]
    assert [t.index for t in plan.tasks] == [0, 1, 2]
    assert plan.files_read["nsmc"] == [str(f) for f in files]
    assert list(plan.files_skipped["nsmc"]) == [str(test)]


def test_a_large_parquet_file_is_cut_by_row_groups(tmp_path, fixtures):
    table = pq.read_table(fixtures / "reviews" / "part-fixture-0.parquet")
    path = tmp_path / "reviews.parquet"
    pq.write_table(table, path, row_group_size=20)
    plan = plan_tasks(("reviews",), {"reviews": [path]}, 1)
    assert [t.slices[0].row_groups for t in plan.tasks] == [(g, g + 1) for g in range(10)]
    parts, _ = read_all(plan.tasks, read_reviews)
    whole, _ = read_all(plan_tasks(("reviews",), {"reviews": [path]}, 10**9).tasks, read_reviews)
    assert parts == whole and len(whole) == pl.from_arrow(table).height


@pytest.mark.parametrize("end", [None, 7])
def test_count_newlines_counts_its_range_only(tmp_path, end):
    path = tmp_path / "a.txt"
    path.write_bytes(b"a\nb\nc\nd\n")
    assert count_newlines(InputSlice(str(path), 2, end)) == (2 if end else 3)
