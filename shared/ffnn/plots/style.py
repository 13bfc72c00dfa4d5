"""How the plots look: the palette, markers, hatchings and colour maps, and the small drawing helpers that
several kinds of plot share."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb

from .. import figure_text

#: Okabe-Ito colours (Okabe & Ito, "Color Universal Design", 2008), ordered so that the first ones contrast
#: most on a white background; the yellow and the black come last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: One marker per class, used together with the colour so classes differ in shape as well.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">")
#: One hatching per series of bars (and per shaded region), so they differ in more than colour.
HATCHES = ("", "//", "\\\\", "xx", "..", "oo", "++", "--")
#: Colour map for values of one sign (perceptually uniform).
SEQUENTIAL_CMAP = "viridis"
#: Colour map for signed values, always centred at 0 (blue negative, red positive).
DIVERGING_CMAP = "RdBu_r"

_EDGE = "0.15"          # thin dark outline of data points
_BOUNDARY = "0.1"       # decision-boundary line


def _axes(ax, figsize):
    """The figure and axes to draw into: a new constrained-layout figure when ``ax`` is None."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.get_figure(root=True), ax


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _marker(i: int) -> str:
    return MARKERS[i % len(MARKERS)]


def _class_styles(n: int) -> list:
    """How class c is drawn, in words ("orange squares"), for c < n."""
    return [figure_text.marker_style(_colour(c), _marker(c)) for c in range(n)]


def _tint(colour, amount: float):
    """``colour`` mixed with white; ``amount`` = 1 keeps the colour, 0 gives white."""
    return tuple(1 - amount * (1 - c) for c in to_rgb(colour))


def _format(value, fmt: str) -> str:
    return format(int(round(value)), fmt) if fmt.endswith("d") else format(value, fmt)
