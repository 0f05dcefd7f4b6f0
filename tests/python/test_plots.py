"""Tests of deepg_interpret.plots on small hand-built tables."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from deepg_interpret.core.summaries import rolling_mean
from deepg_interpret.errors import ArgumentTypeError, InputError
from deepg_interpret.plots import plot_logo, plot_per_locus, save_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BASES = pd.CategoricalDtype(["A", "C", "G", "T"])


@pytest.fixture
def per_locus() -> pd.DataFrame:
    """Two sequences of 50 positions each (columns as in the per-locus table)."""
    rng = np.random.default_rng(0)
    frames = []
    for seq_id in ("s1", "s2"):
        ref = rng.choice(list("ACGT"), 50)
        score = rng.normal(size=50)
        frames.append(
            pd.DataFrame(
                {
                    "seq_id": seq_id,
                    "position": np.arange(1, 51, dtype=np.int32),
                    "ref_base": pd.Categorical(ref, dtype=BASES),
                    "score_sum": score,
                    "score_abs_sum": np.abs(score),
                    "score_ref": score,
                    "max_base": pd.Categorical(ref, dtype=BASES),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def attribution() -> pd.DataFrame:
    """One sequence ACGTACGTAC with the observed base scored 1, 2, ..., 10 (and -1 at 5)."""
    seq = "ACGTACGTAC"
    rows = []
    for pos, ref in enumerate(seq, start=1):
        for base in "ACGT":
            observed = base == ref
            score = (-1.0 if pos == 5 else float(pos)) if observed else 0.1
            rows.append(("s1", pos, base, score, observed))
    df = pd.DataFrame(rows, columns=["seq_id", "position", "base", "score", "observed"])
    df["position"] = df["position"].astype(np.int32)
    df["base"] = df["base"].astype(BASES)
    return df


def assert_png(path) -> None:
    assert os.path.getsize(path) > 0
    with open(path, "rb") as handle:
        assert handle.read(8) == PNG_MAGIC


# --------------------------------------------------------------------------- plot_per_locus


def test_plot_per_locus_first_sequence_points_line_and_highlight(per_locus, tmp_path):
    fig = plot_per_locus(per_locus, k=5, highlight=[(10, 14), (30, 30)])
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.collections) == 1 and len(ax.collections[0].get_offsets()) == 50
    red = [line for line in ax.lines if line.get_color() == "red"]
    assert len(red) == 1
    s1 = per_locus[per_locus["seq_id"] == "s1"]["score_sum"].to_numpy()
    np.testing.assert_allclose(red[0].get_ydata(), rolling_mean(s1, 5))
    assert len(ax.patches) == 2  # the two shaded intervals
    assert "s1" in ax.get_title() and "first of 2 sequences" in ax.get_title()
    out = tmp_path / "per_locus.png"
    save_figure(fig, out)
    assert_png(out)


def test_plot_per_locus_chosen_sequence_no_line_custom_title(per_locus):
    fig = plot_per_locus(per_locus, seq_id="s2", k=None, title="my gene")
    ax = fig.axes[0]
    assert ax.get_title() == "my gene"
    assert not [line for line in ax.lines if line.get_color() == "red"]
    s2 = per_locus[per_locus["seq_id"] == "s2"]["score_sum"].to_numpy()
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 1], s2)


def test_plot_per_locus_into_given_axes_and_table_highlight(per_locus):
    fig = Figure()
    ax = fig.add_subplot()
    truth = pd.DataFrame(
        {
            "seq_id": ["s1", "s2", "s1"],
            "label": "x",
            "motif": "ACGT",
            "start": [5, 8, 20],
            "end": [8, 11, 23],
        }
    )
    assert plot_per_locus(per_locus, seq_id="s1", ax=ax, highlight=truth) is fig
    assert len(ax.patches) == 2  # only s1's rows of the truth table


def test_plot_per_locus_unsorted_positions(per_locus):
    shuffled = per_locus[per_locus["seq_id"] == "s1"].sample(frac=1.0, random_state=0)
    fig = plot_per_locus(shuffled, k=3)
    xs = fig.axes[0].collections[0].get_offsets()[:, 0]
    assert np.all(np.diff(xs) > 0)


def test_plot_per_locus_errors(per_locus):
    with pytest.raises(ArgumentTypeError, match="`per_locus` must be a pandas DataFrame"):
        plot_per_locus(per_locus.to_numpy())
    with pytest.raises(InputError, match="lacks column\\(s\\) score_sum"):
        plot_per_locus(per_locus.drop(columns="score_sum"))
    with pytest.raises(InputError, match="has no rows"):
        plot_per_locus(per_locus.iloc[:0])
    with pytest.raises(
        InputError, match="`seq_id` = 'nope' is not in `per_locus`; it holds 's1', 's2'"
    ):
        plot_per_locus(per_locus, seq_id="nope")
    with pytest.raises(InputError, match="start <= end"):
        plot_per_locus(per_locus, highlight=[(20, 10)])
    with pytest.raises(InputError, match="\\(start, end\\) pairs"):
        plot_per_locus(per_locus, highlight=[(1, 2, 3)])
    with pytest.raises(InputError, match="`k` must be an int >= 1"):
        plot_per_locus(per_locus, k=0)
    with pytest.raises(ArgumentTypeError, match="`ax` must be a matplotlib Axes"):
        plot_per_locus(per_locus, ax="left")


# --------------------------------------------------------------------------- plot_logo


def test_plot_logo_observed_mode(attribution, tmp_path):
    fig = plot_logo(attribution, start=3, end=8)
    ax = fig.axes[0]
    # Observed mode: one letter per position (logomaker drops zero-height glyphs).
    assert len(ax.patches) == 6
    assert ax.get_title() == "s1:3-8"
    lo, hi = ax.get_ylim()
    assert lo <= -1.0 and hi >= 8.0  # the negative letter at 5 and the tallest (8) fit
    # ... with room: no letter touches the frame (the axes would clip its edge)
    assert lo < -1.0 and hi > 8.0
    x_lo, x_hi = ax.get_xlim()
    assert x_lo < 3 - 0.5 and x_hi > 8 + 0.5  # the first and last letters' full width
    out = tmp_path / "logo.png"
    save_figure(fig, out)
    assert_png(out)


def test_plot_logo_all_mode_whole_sequence(attribution):
    fig = plot_logo(attribution, mode="all", title="all bases")
    ax = fig.axes[0]
    assert len(ax.patches) == 40  # 10 positions x 4 non-zero scores
    assert ax.get_title() == "all bases"


def test_plot_logo_several_sequences_takes_first(attribution):
    two = pd.concat([attribution, attribution.assign(seq_id="s2")], ignore_index=True)
    fig = plot_logo(two, end=4)
    assert "first of 2 sequences" in fig.axes[0].get_title()
    assert len(fig.axes[0].patches) == 4
    assert len(plot_logo(two, seq_id="s2", start=2, end=3).axes[0].patches) == 2


def test_plot_logo_errors(attribution):
    with pytest.raises(InputError, match="`mode` must be 'observed' or 'all'"):
        plot_logo(attribution, mode="ref")
    with pytest.raises(InputError, match="lacks column\\(s\\) observed"):
        plot_logo(attribution.drop(columns="observed"))
    with pytest.raises(
        InputError, match="start = 0, end = 4 is not inside the table's positions 1..10"
    ):
        plot_logo(attribution, start=0, end=4)
    with pytest.raises(InputError, match="not inside"):
        plot_logo(attribution, start=6, end=3)
    with pytest.raises(ArgumentTypeError, match="`end` must be an int"):
        plot_logo(attribution, end=3.5)
    doubled = pd.concat([attribution, attribution], ignore_index=True)
    with pytest.raises(InputError, match="several rows for the same position and base"):
        plot_logo(doubled)


# --------------------------------------------------------------------------- save_figure


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".pdf", b"%PDF"), (".svg", b"<?xml"), (".PNG", PNG_MAGIC)]
)
def test_save_figure_formats_leave_no_temp_file(per_locus, tmp_path, suffix, magic):
    fig = plot_per_locus(per_locus, k=5)
    out = tmp_path / f"figure{suffix}"
    save_figure(fig, str(out))
    assert os.listdir(tmp_path) == [out.name]
    assert out.read_bytes().startswith(magic)


def test_save_figure_replaces_existing_file(per_locus, tmp_path):
    out = tmp_path / "figure.png"
    out.write_bytes(b"old")
    save_figure(plot_per_locus(per_locus), out)
    assert_png(out)
    assert os.listdir(tmp_path) == ["figure.png"]


def test_save_figure_failure_keeps_old_file_and_no_temp(per_locus, tmp_path, monkeypatch):
    out = tmp_path / "figure.png"
    out.write_bytes(b"old")
    fig = plot_per_locus(per_locus)

    def broken_savefig(path, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken_savefig)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(fig, out)
    assert out.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["figure.png"]


def test_save_figure_errors(per_locus, tmp_path):
    fig = plot_per_locus(per_locus)
    with pytest.raises(InputError, match="has suffix '.jpg'; use one of .png, .pdf, .svg"):
        save_figure(fig, tmp_path / "figure.jpg")
    with pytest.raises(InputError, match="has suffix '\\(none\\)'"):
        save_figure(fig, tmp_path / "figure")
    with pytest.raises(InputError, match="does not exist; create"):
        save_figure(fig, tmp_path / "missing" / "figure.png")
    with pytest.raises(ArgumentTypeError, match="`fig` must be a matplotlib Figure"):
        save_figure(fig.axes[0], tmp_path / "figure.png")
    with pytest.raises(ArgumentTypeError, match="`path` must be a file path"):
        save_figure(fig, 3)


@pytest.mark.parametrize("pwm", ["TAGCGAGTATAC", pd.DataFrame({
    "position": np.repeat([122, 123, 124], 4), "base": list("ACGT") * 3,
    "probability": [0.1, 0.7, 0.1, 0.1, 0.25, 0.25, 0.25, 0.25, 0.0, 0.9, 0.1, 0.0]})])
def test_plot_pwm_shows_the_first_and_last_letter_whole(pwm):
    """The x-limits hold every letter with a margin (logomaker's end at the outer letters'
    edges, where the axes clipped the side of a final C or G)."""
    from deepg_interpret.plots import plot_pwm

    ax = plot_pwm(pwm).axes[0]
    ax.figure.canvas.draw()
    to_data = ax.transData.inverted()
    left, right = np.inf, -np.inf
    for patch in ax.patches:
        box = patch.get_path().get_extents(patch.get_transform())
        (x0, _), (x1, _) = to_data.transform([[box.x0, box.y0], [box.x1, box.y1]])
        left, right = min(left, x0), max(right, x1)
    lo, hi = ax.get_xlim()
    assert lo < left - 0.1 and right + 0.1 < hi
    assert hi - lo < (right - left) + 1.0  # a margin, not a wide gap
