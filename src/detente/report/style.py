"""One figure style for every detente figure: Okabe–Ito colours, print sizes, PNG 300 dpi + SVG + PDF.

Colours are the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies); two
overlapping series also differ in line style and hatching, so they stay apart in greyscale.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
REGIME_COLOURS = {
    "strategic": OKABE_ITO["bluish_green"],
    "tactical": OKABE_ITO["orange"],
    "frozen": OKABE_ITO["sky_blue"],
}
REGIME_HATCHES = {"strategic": "", "tactical": "", "frozen": "..."}
SIDE_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"])
SIDE_LINESTYLES = ("-", (0, (4, 1.5)))
SIDE_HATCHES = ("", "/////")
SERIES_COLOURS = tuple(
    OKABE_ITO[k]
    for k in ("blue", "vermillion", "bluish_green", "reddish_purple", "orange", "sky_blue", "black", "yellow")
)
SERIES_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<")
MARK_COLOUR = "#333333"

PAPER_WIDTH = 7.2
"""Inches: a full text width (two-column journals: 180–183 mm); fonts below are sized for it."""
DPI = 300
"""Print resolution of every PNG."""
FORMATS = ("png", "svg", "pdf")
"""Every report figure is written in each of these formats."""

RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "figure.titlesize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "hatch.linewidth": 0.5,
    "lines.linewidth": 1.2,
    "legend.frameon": False,
    "savefig.dpi": DPI,
    "svg.fonttype": "none",  # text stays text (editable, searchable)
    "svg.hashsalt": "detente",  # stable element ids: the same figure gives the same file
    "pdf.fonttype": 42,  # TrueType, as journals ask (not Type 3)
}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Matplotlib (Agg) with the detente figure style, for building and saving figures inside the block."""
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context(RC):
        yield


def text(value: Any, width: int | None = None) -> str:
    """A user-given label made safe for matplotlib (no mathtext from '$') and wrapped at ``width`` characters."""
    s = str(value).replace("$", r"\$")
    if width is None:
        return s
    return "\n".join(
        "\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)) or line
        for line in s.split("\n")
    )


def freeze_layout(fig: Any) -> None:
    """Run the figure's layout engine once and keep the result, so each format saved does not redo it."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine("none")


def save_formats(fig: Any, stem: Path, formats: Sequence[str] = FORMATS, dpi: int = DPI) -> list[Path]:
    """Write ``fig`` as ``stem.<fmt>`` for each format (PNG at ``dpi``), close it, return the files."""
    import matplotlib.pyplot as plt

    files = []
    try:
        with paper_style():
            freeze_layout(fig)
            for fmt in formats:
                path = stem.with_name(f"{stem.name}.{fmt}")
                save_one(fig, path, fmt, dpi)
                files.append(path)
    finally:
        plt.close(fig)
    return files


def save_one(fig: Any, path: Any, fmt: str, dpi: int = DPI) -> None:
    """Write one format of ``fig`` (no timestamps in SVG/PDF, so files are reproducible)."""
    kwargs: dict[str, Any] = {"format": fmt, "dpi": dpi}
    if fmt in ("svg", "pdf"):
        kwargs["metadata"] = {"Date": None} if fmt == "svg" else {"CreationDate": None}
    elif fmt == "png":
        kwargs["pil_kwargs"] = {"compress_level": 3}
    fig.savefig(path, **kwargs)
