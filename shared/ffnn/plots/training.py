"""Line charts: the cost during training (``loss_curves``) and several functions of the same x (``curves``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import figure_text
from ..figure_text import describe
from ..validation import InputError, ShapeError, check_array, check_int, shape_text
from .style import HATCHES, _axes, _colour, _marker, _tint


def _history(func: str, name: str, values) -> np.ndarray:
    array = check_array(func, name, values, ndim=None, finite=False)
    if array.ndim != 1:
        if array.ndim == 2 and 1 in array.shape:
            array = array.reshape(-1)
        else:
            raise ShapeError(f"{func}: '{name}' must be a 1-D sequence of costs, got shape "
                             f"{shape_text(array.shape)}.")
    if array.size == 0:
        raise InputError(f"{func}: '{name}' is empty; record at least one cost.")
    return array.astype(float)


def loss_curves(histories, *, ax=None, title="Cost during training", log_scale=False, xlabel="iteration",
                ylabel="cost J", every=1):
    """Plot cost against iteration for one training run or several on the same axes.

    histories : dict mapping a run's label to its costs, a sequence of floats of shape (n_records,), or a single
        sequence of costs (then there is no legend). A cost that became NaN or inf leaves a gap in its line.
    log_scale : use a logarithmic y axis (every finite cost must be > 0).
    every : iterations between two recorded costs (e.g. 100 when the loop records every 100th cost), so the
        x axis counts iterations.
    Returns the matplotlib Figure.
    """
    func = "loss_curves"
    if isinstance(histories, Mapping):
        if not histories:
            raise InputError(f"{func}: 'histories' is an empty dict; give at least one run.")
        runs = {str(label): _history(func, f"histories[{label!r}]", values) for label, values in histories.items()}
        show_legend = True
    else:
        runs = {None: _history(func, "histories", histories)}
        show_legend = False
    check_int(func, "every", every, 1)
    if log_scale:
        for label, costs in runs.items():
            finite = costs[np.isfinite(costs)]
            if finite.size and finite.min() <= 0:
                where = "" if label is None else f" in run {label!r}"
                raise InputError(f"{func}: log_scale needs costs > 0, but{where} there is a cost of "
                                 f"{finite.min():.4g}; use log_scale=False.")

    fig, ax = _axes(ax, (7.0, 4.5))
    linestyles = ("-", "--", ":", "-.")
    described = []
    for i, (label, costs) in enumerate(runs.items()):
        iterations = np.arange(costs.size) * every
        # Runs differ in line style as well as in colour, so they read apart in greyscale too.
        linestyle = linestyles[i % len(linestyles)]
        ax.plot(iterations, costs, color=_colour(i), linestyle=linestyle,
                linewidth=1.8, marker="o" if costs.size == 1 else None, label=label)
        described.append((label, figure_text.line_style(_colour(i), linestyle), iterations, costs))
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if show_legend:
        ax.legend(loc="best", framealpha=0.9)
    describe(ax, figure_text.line_chart_text(described, xlabel, ylabel, title, log_scale))
    return fig


def _runs(mask: np.ndarray) -> list:
    """The maximal runs of True in a 1-D boolean mask, as (start, stop) index pairs (stop excluded)."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def curves(x, ys, *, ax=None, title=None, xlabel="x", ylabel="y", log_y=False, markers=False, nonfinite="mark",
           legend="best"):
    """Several functions of the same x on one axes, e.g. a naive and a stable gradient against the logit.

    x : sequence of floats, shape (k,).  ys : dict mapping a label to values of shape (k,); NaN or inf values
    leave gaps.  log_y : logarithmic y axis.
    nonfinite : how the x where a curve is NaN or inf are shown, so that a blow-up stays visible: "mark" puts a
        cross at the axes' bottom edge under each such x; "shade" shades each run of such x once, in the curve's
        colour with its own hatching, labelled "NaN/inf" inside and "<label>: NaN/inf" in the legend (clearer on
        a dense grid, where the crosses merge into a wall). "shade" needs an increasing x.
    legend : where the legend goes (a matplotlib ``loc``), or None for none (e.g. to draw one figure legend for
        several panels from ``ax.get_legend_handles_labels()``).
    Returns the matplotlib Figure.
    """
    func = "curves"
    x = _history(func, "x", x)
    if not isinstance(ys, Mapping) or not ys:
        raise InputError(f"{func}: 'ys' must be a non-empty dict label -> values, got {type(ys).__name__}.")
    runs = {str(label): _history(func, f"ys[{label!r}]", values) for label, values in ys.items()}
    for label, values in runs.items():
        if values.shape != x.shape:
            raise ShapeError(f"{func}: ys[{label!r}] has shape {shape_text(values.shape)} but x has shape "
                             f"{shape_text(x.shape)}; they must match.")
    if nonfinite not in ("mark", "shade"):
        raise InputError(f"{func}: 'nonfinite' must be \"mark\" or \"shade\", got {nonfinite!r}.")
    if nonfinite == "shade" and (not np.isfinite(x).all() or np.any(np.diff(x) <= 0)):
        raise InputError(f"{func}: nonfinite=\"shade\" needs an increasing, finite x, e.g. np.linspace(-5, 5, 101).")
    if legend is not None and not isinstance(legend, str):
        raise InputError(f"{func}: 'legend' must be a matplotlib loc such as \"best\", or None, got {legend!r}.")
    fig, ax = _axes(ax, (7.0, 4.5))
    linestyles = ("-", "--", ":", "-.")
    spans, described = [], []
    for i, (label, values) in enumerate(runs.items()):
        ax.plot(x, values, color=_colour(i), linestyle=linestyles[i % len(linestyles)], linewidth=1.8,
                marker=_marker(i) if markers else None, label=label)
        described.append((label, figure_text.line_style(_colour(i), linestyles[i % len(linestyles)]), x, values))
        bad = ~np.isfinite(values)
        if bad.any() and nonfinite == "mark":
            ax.plot(x[bad], np.zeros(bad.sum()), linestyle="none", marker="x", color=_colour(i),
                    transform=ax.get_xaxis_transform(), clip_on=False, label=f"{label}: NaN/inf")
        elif bad.any():
            for n, (start, stop) in enumerate(_runs(bad)):
                # From halfway between the last finite grid point and the first bad one, to halfway after the last.
                left = x[start] if start == 0 else (x[start - 1] + x[start]) / 2
                right = x[stop - 1] if stop == x.size else (x[stop - 1] + x[stop]) / 2
                ax.axvspan(left, right, facecolor=_tint(_colour(i), 0.15), edgecolor=_colour(i),
                           hatch=HATCHES[1 + i % (len(HATCHES) - 1)], linewidth=0, zorder=0,
                           label=f"{label}: NaN/inf" if n == 0 else "_nolegend_")
                spans.append((left, right, _colour(i)))
    if log_y:
        ax.set_yscale("log")
    for left, right, colour in spans:
        # The label goes at the top, middle or bottom of its region, wherever the curves passing there are farthest.
        bottom, top = ax.get_ylim()
        scale = np.log10 if log_y else (lambda v: v)
        inside = (x >= left) & (x <= right)
        heights = np.concatenate([values[inside & np.isfinite(values) & ((values > 0) | (not log_y))]
                                  for values in runs.values()])
        heights = (scale(heights) - scale(bottom)) / (scale(top) - scale(bottom))
        place = max((0.97, 0.03, 0.5), key=lambda at: np.min(np.abs(heights - at), initial=1.0))
        ax.text((left + right) / 2, place, "NaN/inf", transform=ax.get_xaxis_transform(), ha="center",
                va={0.97: "top", 0.03: "bottom", 0.5: "center"}[place], fontsize="small", color="0.1", zorder=5,
                bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor=colour, alpha=0.9))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if legend is not None:
        ax.legend(loc=legend, framealpha=0.9)
    describe(ax, figure_text.line_chart_text(described, xlabel, ylabel, title, log_y))
    return fig
