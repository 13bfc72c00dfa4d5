"""Grouped bar charts: a few numbers per group for several series, side by side."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import figure_text
from ..figure_text import describe
from ..validation import InputError, ShapeError, check_array, shape_text
from .style import HATCHES, _EDGE, _axes, _colour, _format, _tint


def grouped_bars(series, *, group_labels, ax=None, title=None, xlabel=None, ylabel=None, fmt=".2f", ylim=None,
                 legend="outside"):
    """Bars in groups: one group per entry of ``group_labels`` along x, one bar per series in every group, each
    with its value written on it. E.g. the test accuracy of every label (groups) for two output layers (series).

    series : dict mapping a series' label to its values, shape (n_groups,), one finite number per group; the
        dict's order is the order of the bars within a group.
    group_labels : sequence of n_groups names, the tick labels of the x axis.
    fmt : format of the values written on the bars, e.g. ".3f", "d", or ".1%" (the y axis is then in percent too).
    ylim : (bottom, top) of the y axis; None: from 0 (or below the lowest negative value) to a little above the
        highest bar, so that its value fits. Bars always start at 0.
    legend : "outside" (right of the axes, where it covers no bar), a matplotlib ``loc`` inside the axes, or None.
    Every series has its own colour (PALETTE) and hatching (HATCHES), so the series read apart in greyscale too.
    Returns the matplotlib Figure.
    """
    func = "grouped_bars"
    if not isinstance(series, Mapping) or not series:
        raise InputError(f"{func}: 'series' must be a non-empty dict mapping a label to one value per group, got "
                         f"{type(series).__name__}{' (empty)' if isinstance(series, Mapping) else ''}.")
    values = {str(label): check_array(func, f"series[{label!r}]", v, ndim=1).astype(float)
              for label, v in series.items()}
    first_label, first = next(iter(values.items()))
    if first.size == 0:
        raise ShapeError(f"{func}: series[{first_label!r}] is empty; give one value per group.")
    for label, v in values.items():
        if v.shape != first.shape:
            raise ShapeError(f"{func}: series[{label!r}] has shape {shape_text(v.shape)} but series[{first_label!r}] "
                             f"has shape {shape_text(first.shape)}: every series needs one value per group.")
    if isinstance(group_labels, str) or not hasattr(group_labels, "__len__"):
        raise InputError(f"{func}: 'group_labels' must be a list of names, one per group, got {group_labels!r}.")
    names = [str(name) for name in group_labels]
    if len(names) != first.size:
        raise InputError(f"{func}: 'group_labels' has {len(names)} name(s) but every series has {first.size} "
                         f"value(s); give one name per group.")
    try:
        if not isinstance(fmt, str):
            raise TypeError
        _format(1.0, fmt)
    except (TypeError, ValueError):
        raise InputError(f"{func}: 'fmt' must be a format specification such as \".2f\", \".1%\" or \"d\", got "
                         f"{fmt!r}.") from None
    if ylim is not None:
        if (np.ndim(ylim) != 1 or len(ylim) != 2 or not all(np.isscalar(v) and np.isfinite(v) for v in ylim)
                or not ylim[0] < ylim[1]):
            raise InputError(f"{func}: 'ylim' must be (bottom, top) with bottom < top, got {ylim!r}.")
    if legend is not None and not isinstance(legend, str):
        raise InputError(f"{func}: 'legend' must be \"outside\", a matplotlib loc such as \"best\", or None, got "
                         f"{legend!r}.")

    n_groups, n_series = first.size, len(values)
    fig, ax = _axes(ax, (min(12.0, max(5.0, 0.9 * n_groups * n_series + 3.0)), 4.2))
    width = 0.8 / n_series
    centres = np.arange(n_groups)
    for i, (label, v) in enumerate(values.items()):
        bars = ax.bar(centres + (i - (n_series - 1) / 2) * width, v, width, label=label, zorder=2,
                      facecolor=_tint(_colour(i), 0.8), edgecolor=_EDGE, linewidth=0.8,
                      hatch=HATCHES[i % len(HATCHES)])
        ax.bar_label(bars, labels=[_format(value, fmt) for value in v], padding=2, fontsize="small", zorder=3)
    ax.axhline(0.0, color="0.3", linewidth=0.8, zorder=2)
    ax.set_xticks(centres, labels=names)
    if ylim is None:
        low, high = min(0.0, *(v.min() for v in values.values())), max(0.0, *(v.max() for v in values.values()))
        room = 0.1 * ((high - low) or 1.0)
        ylim = (low - room if low < 0 else 0.0, high + room if high > 0 or low == 0 else 0.0)
    ax.set_ylim(*ylim)
    if fmt.endswith("%"):
        from matplotlib.ticker import PercentFormatter
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(True, axis="y", alpha=0.3, zorder=0)
    ax.set_axisbelow(True)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend == "outside":
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    elif legend is not None:
        ax.legend(loc=legend, framealpha=0.9)
    styles = [figure_text.bar_style(_colour(i), HATCHES[i % len(HATCHES)]) for i in range(n_series)]
    describe(ax, figure_text.grouped_bars_text(values, names, styles, lambda value: _format(value, fmt), xlabel,
                                               ylabel, title, fmt))
    return fig
