"""pretrain.tfrecords' command line: out-of-range numbers are one `error:` line and exit 2."""

import pytest

from pretrain.tfrecords.cli import main


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--max-seq-length", "3", "argument --max-seq-length: must be 5 or more, not 3"),
        ("--num-processes", "0", "argument --num-processes: must be 1 or more, not 0"),
        ("--num-out-files", "0", "argument --num-out-files: must be 1 or more, not 0"),
        ("--max-seq-length", "1e3", "argument --max-seq-length: '1e3' is not a whole number"),
    ],
)
def test_out_of_range_numbers(tmp_path, capsys, flag, value, message):
    argv = ["--corpus-dir", str(tmp_path), "--vocab-file", str(tmp_path / "vocab.txt")]
    with pytest.raises(SystemExit) as exit:
        main([*argv, "--output-dir", str(tmp_path / "out"), flag, value])
    err = capsys.readouterr().err
    assert exit.value.code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert message in err
    assert not (tmp_path / "out").exists()
