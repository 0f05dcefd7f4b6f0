"""deepg_interpret.r_bridge.rdata: R data files into engine inputs, engine tables into R (rpy2).

The R files are written by R itself (Rscript) in the test. Tests that need R are
skipped only when rpy2 cannot be imported, and not even then when
``DGI_REQUIRE_RPY2`` is set (``make test``). The messages for a missing rpy2 are
tested everywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepg_interpret import encode
from deepg_interpret.errors import ArgumentTypeError, DeepGInterpretError, InputError
from deepg_interpret.r_bridge import rsession as _rsession
from deepg_interpret.r_bridge.rdata import (
    RError,
    RUnavailableError,
    from_r,
    read_r_data,
    run_r,
    to_r,
)

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("DGI_REQUIRE_RPY2", "").strip().lower() in {"1", "true", "yes"}
try:
    import rpy2  # noqa: F401

    HAVE_RPY2 = True
except ImportError:
    HAVE_RPY2 = False
needs_r = pytest.mark.skipif(not HAVE_RPY2 and not REQUIRED, reason="rpy2 is not installed")

DNA = "ACGTTGCANACG"

# Every R object the tests read, written by R (not by rpy2).
R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE); out <- args[1]
f <- function(name) file.path(out, name)
x <- array(as.double(seq_len(2 * 5 * 4)), dim = c(2L, 5L, 4L))
saveRDS(x, f("array3.rds"))
xi <- array(seq_len(2 * 3 * 4), dim = c(2L, 3L, 4L)); xi[1, 2, 3] <- NA
saveRDS(xi, f("array_int_na.rds"))
saveRDS(matrix(as.double(1:20), nrow = 5L), f("matrix.rds"))
# deepG-style one-hot of a DNA string (A, C, G, T; N is an all-zero row)
dna <- strsplit("ACGTTGCANACG", "")[[1]]
oh <- t(vapply(dna, function(b) as.double(b == c("A", "C", "G", "T")), numeric(4)))
saveRDS(array(oh, dim = c(1L, nrow(oh), 4L)), f("onehot.rds"))
saveRDS(c(s1 = "ACGT", s2 = NA, s3 = "GGA"), f("named_chr.rds"))
saveRDS(c("ACGT", "TTGA"), f("chr.rds"), compress = "xz")
saveRDS(c(a = 1.5, b = 2), f("named_num.rds"), ascii = TRUE)
saveRDS(c(TRUE, NA, FALSE), f("lgl_na.rds"))
saveRDS(factor(c("b", "a", NA), levels = c("b", "a", "z")), f("factor.rds"))
labels <- data.frame(
  file = c("a.fasta", "b.fasta", NA), label = c(1L, NA, 3L), weight = c(0.5, NA, NaN),
  class = factor(c("phage", NA, "bacteria"), levels = c("phage", "bacteria")),
  ok = c(TRUE, NA, FALSE), day = as.Date(c("2024-01-02", NA, "2024-03-04")),
  stringsAsFactors = FALSE)
saveRDS(labels, f("labels.rds"))
saveRDS(data.frame(x = 1:2, row.names = c("r1", "r2")), f("rownames.rds"))
saveRDS(list(maxlen = 12L, vocabulary = c("A", "C", "G", "T"), nested = list(1, "b")),
        f("list.rds"))
saveRDS(list(a = 1L, 2L), f("partly_named.rds"))
saveRDS(function(x) x, f("function.rds"))
saveRDS(NULL, f("null.rds"))
one_hot <- x; labels_m <- matrix(c(1, 0, 0, 1), 2L)
save(one_hot, labels_m, file = f("two.rda"))
save(one_hot, file = f("one.RData"), compress = "bzip2")
save(labels_m, file = f("xz.rda"), compress = "xz")
"""


@pytest.fixture(scope="module")
def rfiles(tmp_path_factory):
    rscript = shutil.which("Rscript")
    if rscript is None:
        if REQUIRED or HAVE_RPY2:
            pytest.fail("Rscript is not on PATH; install R (Debian: r-base-core)", pytrace=False)
        pytest.skip("R is not installed")
    out = tmp_path_factory.mktemp("rdata")
    script = out / "make.R"
    script.write_text(R_SCRIPT)
    subprocess.run([rscript, "--vanilla", str(script), str(out)], check=True,
                   capture_output=True, timeout=120)
    return out


# -- without rpy2: clear errors, nothing imported ----------------------------------------

def test_importing_rdata_imports_neither_rpy2_nor_r():
    code = "import sys, deepg_interpret.r_bridge.rdata; print('rpy2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_rpy2_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(_rsession, "_SESSION", None)
    monkeypatch.setitem(sys.modules, "rpy2", None)  # import rpy2 -> ImportError
    path = tmp_path / "x.rds"
    path.write_bytes(b"X\n\x00\x00\x00\x03")  # an uncompressed RDS header
    for call in (lambda: read_r_data(path), lambda: to_r(pd.DataFrame({"a": [1]})),
                 lambda: run_r("1")):
        with pytest.raises(RUnavailableError, match=r'pip install "deepg-interpret\[r\]"') as err:
            call()
        assert isinstance(err.value, DeepGInterpretError) and isinstance(err.value, ImportError)


def test_bad_paths_are_input_errors(tmp_path):
    with pytest.raises(ArgumentTypeError, match="path must be a file path"):
        read_r_data(42)
    with pytest.raises(InputError, match="does not exist"):
        read_r_data(tmp_path / "missing.rds")
    text = tmp_path / "seqs.rds"
    text.write_text(">s1\nACGT\n")
    with pytest.raises(InputError, match=r"not an R data file.*saveRDS\(\)"):
        read_r_data(text)
    with pytest.raises(ArgumentTypeError, match="name must be a string"):
        read_r_data(text, name=3)


# -- R data -> Python ----------------------------------------------------------------------

@needs_r
def test_arrays_keep_every_element_at_its_index(rfiles):
    x = read_r_data(rfiles / "array3.rds")
    assert x.shape == (2, 5, 4) and x.dtype == np.float32 and x.flags.c_contiguous
    i, j, k = np.indices(x.shape)
    np.testing.assert_array_equal(x, 1 + i + 2 * j + 10 * k)  # R's x[i+1, j+1, k+1], column-major
    xi = read_r_data(rfiles / "array_int_na.rds")
    assert xi.dtype == np.float32 and np.isnan(xi[0, 1, 2]) and np.isnan(xi).sum() == 1
    assert xi[1, 2, 3] == 2 * 3 * 4
    m = read_r_data(rfiles / "matrix.rds")
    assert m.shape == (5, 4) and m.dtype == np.float32
    assert m[4, 3] == 20 and m[1, 0] == 2 and m[0, 1] == 6


@needs_r
def test_one_hot_made_in_r_is_the_engines_encoding(rfiles):
    x = read_r_data(rfiles / "onehot.rds")
    assert x.shape == (1, len(DNA), 4)
    np.testing.assert_array_equal(x, encode(DNA).onehot)
    np.testing.assert_array_equal(encode(x).onehot, x)  # accepted as an engine input


@needs_r
def test_vectors(rfiles):
    assert read_r_data(rfiles / "named_chr.rds") == {"s1": "ACGT", "s2": None, "s3": "GGA"}
    assert read_r_data(rfiles / "chr.rds") == ["ACGT", "TTGA"]
    num = read_r_data(rfiles / "named_num.rds")
    assert isinstance(num, pd.Series) and num.to_dict() == {"a": 1.5, "b": 2.0}
    lgl = read_r_data(rfiles / "lgl_na.rds")
    assert lgl[0] == 1 and np.isnan(lgl[1]) and lgl[2] == 0
    fac = read_r_data(rfiles / "factor.rds")
    assert list(fac.categories) == ["b", "a", "z"] and list(fac.codes) == [0, 1, -1]
    assert read_r_data(rfiles / "null.rds") is None


@needs_r
def test_data_frames_become_tables_with_rs_missing_values(rfiles):
    df = read_r_data(rfiles / "labels.rds")
    assert list(df.columns) == ["file", "label", "weight", "class", "ok", "day"]
    assert isinstance(df.index, pd.RangeIndex)
    assert df["file"].tolist() == ["a.fasta", "b.fasta", None]
    assert df["label"].dtype == np.float64 and np.isnan(df["label"][1]) and df["label"][2] == 3
    assert np.isnan(df["weight"][1]) and np.isnan(df["weight"][2])
    assert list(df["class"].cat.categories) == ["phage", "bacteria"]
    assert df["class"].isna().tolist() == [False, True, False]
    assert df["ok"].dtype == "boolean" and df["ok"].isna().tolist() == [False, True, False]
    assert df["day"][0] == pd.Timestamp("2024-01-02") and pd.isna(df["day"][1])
    named = read_r_data(rfiles / "rownames.rds")
    assert named.index.tolist() == ["r1", "r2"] and named["x"].dtype == np.int32


@needs_r
def test_lists_become_dicts(rfiles):
    value = read_r_data(rfiles / "list.rds")
    assert list(value) == ["maxlen", "vocabulary", "nested"]
    assert value["maxlen"].tolist() == [12] and value["vocabulary"] == ["A", "C", "G", "T"]
    assert value["nested"][0].tolist() == [1.0] and value["nested"][1] == ["b"]
    assert list(read_r_data(rfiles / "partly_named.rds")) == ["a", "2"]


@needs_r
def test_rda_files_pick_objects_by_name(rfiles):
    with pytest.raises(InputError, match=r"holds 2 objects \('one_hot', 'labels_m'\).*name="):
        read_r_data(rfiles / "two.rda")
    with pytest.raises(InputError, match=r"name='onehot' is not in .*'one_hot', 'labels_m'"):
        read_r_data(rfiles / "two.rda", name="onehot")
    assert read_r_data(rfiles / "two.rda", name="labels_m").shape == (2, 2)
    assert read_r_data(rfiles / "one.RData").shape == (2, 5, 4)       # bzip2, one object
    assert read_r_data(rfiles / "xz.rda").tolist() == [[1, 0], [0, 1]]
    assert read_r_data(rfiles / "list.rds", name="maxlen").tolist() == [12]
    with pytest.raises(InputError, match="named elements: 'maxlen', 'vocabulary', 'nested'"):
        read_r_data(rfiles / "list.rds", name="steps")


@needs_r
def test_objects_without_data_are_refused(rfiles):
    with pytest.raises(InputError, match="the R object is a function"):
        read_r_data(rfiles / "function.rds")


def _deepg_tarball():
    folder = Path(os.environ.get("DEEPG_DEPS", ROOT.parent / "shared" / "r-deps"))
    found = sorted(folder.glob("deepG_*.tar.gz")) if folder.is_dir() else []
    return found[0] if found else None


@needs_r
@pytest.mark.skipif(_deepg_tarball() is None, reason="deepG's source tarball is not here")
def test_deepg_example_data(tmp_path):
    with tarfile.open(_deepg_tarball()) as tar:
        members = [m for m in tar.getmembers()
                   if m.name.startswith("deepG/data/") and m.name.endswith(".rda")]
        for m in members:
            (tmp_path / Path(m.name).name).write_bytes(tar.extractfile(m).read())
    names = sorted(p.name for p in tmp_path.glob("*.rda"))
    assert "crispr_sample.rda" in names and "ecoli_small.rda" in names
    crispr = read_r_data(tmp_path / "crispr_sample.rda")
    assert len(crispr) == 100 and all(set(s) <= set("ACGT") for s in crispr)
    ecoli = read_r_data(tmp_path / "ecoli_small.rda")
    assert len(ecoli) == 1 and len(ecoli[0]) == 326622
    windows = encode(crispr[0], maxlen=200, window_step=200)  # an engine input
    assert windows.onehot.shape[1:] == (200, 4)


# -- Python -> R ---------------------------------------------------------------------------

def _engine_like_table():
    df = pd.DataFrame({
        "seq_id": ["s1"] * 4 + ["s2"] * 4,
        "position": np.repeat(np.array([1, 2], dtype=np.int32), 4),
        "base": pd.Categorical(list("ACGT") * 2, categories=list("ACGT")),
        "score": np.linspace(-1, 1, 8),
        "observed": [True, False, False, False] * 2,
    })
    df.attrs = {"method": "saliency", "target": 0, "output": "probability"}
    return df


@needs_r
def test_to_r_gives_the_r_packages_column_types():
    schema = run_r("""
      list(types = unname(vapply(x, function(c) if (is.factor(c)) "factor" else typeof(c), "")),
           levels = levels(x$base), rows = nrow(x), row_names = .row_names_info(x),
           settings = attr(x, "settings"), class = class(x))
    """, x=to_r(_engine_like_table()))
    assert schema["types"] == ["character", "integer", "factor", "double", "logical"]
    assert schema["levels"] == ["A", "C", "G", "T"]
    assert schema["rows"].tolist() == [8] and schema["row_names"].tolist() == [-8]
    assert schema["class"] == ["data.frame"]
    assert schema["settings"]["target"].tolist() == [1]          # 1-based in R
    assert schema["settings"]["method"] == ["saliency"]


@needs_r
def test_to_r_targets():
    table = pd.DataFrame({"seq_id": ["a", "b"], "target": np.array([0, 2], dtype=np.int32)})
    table.attrs = {"target": 2}
    r_based = run_r("list(x$target, attr(x, 'settings')$target)", x=to_r(table))
    assert [v.tolist() for v in r_based] == [[1, 3], [3]]
    kept = run_r("x$target", x=to_r(table, one_based_targets=False))
    assert kept.tolist() == [0, 2]
    assert table["target"].tolist() == [0, 2] and table.attrs == {"target": 2}  # not modified


@needs_r
def test_to_r_round_trips_through_from_r():
    table = _engine_like_table()
    back = from_r(to_r(table, one_based_targets=False))
    assert list(back.columns) == list(table.columns)
    assert back["position"].dtype == np.int32 and back["base"].dtype == table["base"].dtype
    np.testing.assert_allclose(back["score"], table["score"])
    assert back["observed"].tolist() == table["observed"].tolist()


@needs_r
def test_to_r_passes_through_rpy2_conversion_as_in_percent_r_cells():
    """``%%R -i x`` converts x with rpy2's converters; an R object passes unchanged."""
    from rpy2.robjects import default_converter, numpy2ri, pandas2ri
    from rpy2.robjects.conversion import localconverter

    frame = to_r(_engine_like_table())
    with localconverter(default_converter + numpy2ri.converter + pandas2ri.converter) as cv:
        assert cv.py2rpy(frame).rid == frame.rid


@needs_r
def test_to_r_rejects_non_frames():
    with pytest.raises(ArgumentTypeError, match="df must be a pandas DataFrame"):
        to_r({"a": [1]})


@needs_r
def test_run_r_values_inputs_and_errors():
    assert run_r("x * 2L", x=np.arange(3, dtype=np.int32)).tolist() == [0, 2, 4]
    arr = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    assert run_r("x[2, 3, 4]", x=arr).tolist() == [23.0]
    np.testing.assert_array_equal(run_r("x", x=arr), arr)
    assert run_r("list(a = s, b = l)", s="ACGT", l=["A", "C"]) == {"a": ["ACGT"], "b": ["A", "C"]}
    with pytest.raises(RError, match="R error: no such thing") as err:
        run_r('stop("no such thing")')
    assert "simpleError" in err.value.r_classes
    with pytest.raises(RError, match="holds Python objects"):
        run_r('reticulate::py_eval("object()", convert = FALSE)')
    with pytest.raises(ArgumentTypeError):
        run_r(["1"])


def test_child_processes_after_an_r_session_load_their_own_libraries(rfiles):
    # R prepends its library folders to LD_LIBRARY_PATH when it starts; a child Python
    # (the CLI, ray, pyarrow's ssl) then failed with "_ssl...: undefined symbol".
    run_r("1 + 1")
    child = subprocess.run([sys.executable, "-c", "import ssl, pyarrow.parquet; print('ok')"],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert "/usr/lib/R/lib" not in os.environ.get("LD_LIBRARY_PATH", "")
