"""Atomic writes: an interrupted write never corrupts or loses a result already written."""

from __future__ import annotations

import pandas as pd
import pytest

from deepg_interpret import InputError
from deepg_interpret.io.files import atomic_write, atomic_write_text
from deepg_interpret.tables import write_table


def test_failed_write_keeps_the_old_file(tmp_path):
    target = atomic_write_text(tmp_path / "result.csv", "old\n")

    def broken(tmp):
        tmp.write_text("half a fi")
        raise KeyboardInterrupt  # e.g. the user stops a long job mid-write

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, broken)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["result.csv"]


def test_keep_suffix_for_format_sniffing_writers(tmp_path):
    seen = []
    atomic_write(tmp_path / "m.h5", lambda tmp: (seen.append(tmp.suffix), tmp.write_text("x")),
                 keep_suffix=True)
    assert seen == [".h5"] and (tmp_path / "m.h5").read_text() == "x"


@pytest.mark.parametrize("name", ["t.parquet", "t.csv", "t.tsv.gz"])
def test_write_table_round_trips(tmp_path, name):
    df = pd.DataFrame({"seq_id": ["a", "b"], "position": [1, 2], "score": [0.5, -1.0]})
    path = write_table(df, tmp_path / "sub" / name)
    back = pd.read_parquet(path) if name.endswith("parquet") else pd.read_csv(
        path, sep="\t" if ".tsv" in name else ",")
    pd.testing.assert_frame_equal(back, df, check_dtype=False)


def test_write_table_unknown_format(tmp_path):
    with pytest.raises(InputError, match=".parquet, .csv or .tsv"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.xlsx")
