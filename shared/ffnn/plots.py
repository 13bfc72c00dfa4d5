"""Plots for the notebooks: one helper per kind of plot, so every notebook draws the same thing the same way.

- ``decision_boundary`` / ``decision_boundary_grid``: the regions a classifier assigns to each class in 2-D.
- ``scatter_classes``: 2-D data coloured by class.
- ``loss_curves``: the cost J against the iteration, for one run or several.
- ``network_diagram``: units and connections of a network given its ``layer_dims``.
- ``computation_graph``: a computation graph (intermediate variables u_k and what each is computed from).
- ``activation_plot``: an activation g(z), its derivative g'(z) and where it saturates (or, beside a kink, is dead).
- ``heatmap`` / ``confusion_matrix_plot``: a matrix (weights, gradients, confusions) as colours.
- ``grouped_bars``: a few numbers per group (e.g. per-label accuracy) for several series, side by side.
- ``describe`` / ``description``: the text alternative of a figure (``ffnn.figure_text``).

Conventions (see ``shared/NOTATION.md``): columns are examples, so data ``X`` has shape (2, m) and labels ``Y``
have shape (1, m) (integer labels or 0.0/1.0) or (k, m) (one-hot). Colours for classes and runs come from the
Okabe-Ito palette (``PALETTE``), which stays distinguishable with the common colour-vision deficiencies; classes
also differ by marker, so a plot still reads in greyscale. Matrices use perceptually uniform colour maps.

Every function draws into ``ax`` when given, otherwise into a new figure, and returns the ``Figure``. None calls
``plt.show()``: the notebook cell does that. Every function also describes what it drew in words, from the data
(what is plotted, the axes, the main finding): it prints the description as a caption line "Figure: ..." and
attaches it to the figure, whose PNG then carries it as alt text under IPython (``ffnn.figure_text``). A figure a
notebook draws with matplotlib directly gets one with ``describe(fig_or_ax, text)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.textpath import TextPath

from . import figure_text
from .figure_text import describe, description
from .metrics import labels_of
from .validation import InputError, ShapeError, check_array, shape_text

__all__ = ["PALETTE", "MARKERS", "HATCHES", "SEQUENTIAL_CMAP", "DIVERGING_CMAP", "curves", "decision_boundary",
           "decision_boundary_grid", "scatter_classes", "loss_curves", "network_diagram", "computation_graph",
           "activation_plot", "heatmap", "confusion_matrix_plot", "grouped_bars", "describe", "description"]

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


# ---------------------------------------------------------------------------------------------- helpers

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


def _check_int(func, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{func}: '{name}' must be an int >= {minimum}, got {value!r}.")


def _check_points(func: str, X) -> np.ndarray:
    """X must be 2-D points, one per column: shape (2, m)."""
    X = check_array(func, "X", X, ndim=2)
    if X.shape[0] != 2:
        hint = " It looks transposed: try X.T." if X.shape[1] == 2 else ""
        raise ShapeError(f"{func}: argument 'X' has shape {shape_text(X.shape)} but needs (2, m): one 2-D point per "
                         f"column.{hint}")
    if X.shape[1] == 0:
        raise ShapeError(f"{func}: argument 'X' has shape {shape_text(X.shape)}: it holds no examples (m = 0).")
    return X.astype(float)


def _check_class_labels(func: str, Y, m: int) -> np.ndarray:
    """Integer labels of shape (m,) from labels (1, m) or one-hot targets (k, m)."""
    Y = check_array(func, "Y", Y, ndim=2)
    if Y.shape[1] != m:
        hint = " It looks transposed: try Y.T." if Y.shape[0] == m else ""
        raise ShapeError(f"{func}: argument 'Y' has shape {shape_text(Y.shape)} but needs (1, m) = (1, {m}) or "
                         f"one-hot (k, m) = (k, {m}), because 'X' sets m = {m}.{hint}")
    if Y.shape[0] > 1:
        sums = Y.sum(axis=0)
        if Y.min() < 0 or Y.max() > 1 or not np.allclose(sums, 1.0):
            raise InputError(f"{func}: argument 'Y' of shape {shape_text(Y.shape)} must be one-hot (every column "
                             f"holds a single 1); for multi-label targets plot one row at a time, e.g. Y[0:1].")
        return labels_of(Y).reshape(-1)
    labels = Y.reshape(-1)
    if labels.min() < 0 or not np.all(labels == np.round(labels)):
        bad = labels[(labels < 0) | (labels != np.round(labels))][0]
        raise InputError(f"{func}: argument 'Y' must hold class labels 0, 1, 2, ... (or 0.0/1.0), but it "
                         f"contains {bad:.4g}. For probabilities, threshold them first: (A > 0.5).astype(int).")
    return labels.astype(int)


def _check_class_names(func: str, class_names, n_classes: int) -> list[str]:
    if class_names is None:
        return [f"class {c}" for c in range(n_classes)]
    names = [str(name) for name in class_names]
    if len(names) < n_classes:
        raise InputError(f"{func}: 'class_names' has {len(names)} name(s) but the labels use {n_classes} "
                         f"classes (0 to {n_classes - 1}); give one name per class.")
    return names


def _predict_labels(func: str, predict, P: np.ndarray) -> np.ndarray:
    """Call ``predict`` on the grid P (2, k) and return integer labels of shape (k,), or explain what is wrong."""
    k = P.shape[1]
    if not callable(predict):
        raise InputError(f"{func}: 'predict' must be a function from points (2, k) to labels (1, k), got "
                         f"{type(predict).__name__}.")
    out = predict(P)
    shape = np.shape(out)
    try:
        out = np.asarray(out)
    except (TypeError, ValueError):
        out = None
    if out is None or not (np.issubdtype(out.dtype, np.number) or out.dtype == bool):
        kind = type(out).__name__ if out is None else f"dtype {out.dtype}"
        raise InputError(f"{func}: 'predict' must return a NumPy array of class labels with shape (1, {k}), but "
                         f"it returned {kind}.")
    if shape not in ((1, k), (k,)):
        hint = ""
        if len(shape) == 2 and shape[1] == k and shape[0] > 1:
            hint = (" It looks like one row per class: return labels, e.g. np.argmax(AL, axis=0)"
                    ".reshape(1, -1).")
        elif len(shape) == 2 and shape == (k, 1):
            hint = " It looks transposed: return a row, shape (1, k)."
        raise ShapeError(f"{func}: 'predict' was called on points of shape {shape_text(P.shape)} and returned shape "
                         f"{shape_text(shape)}; it must return one label per column, shape (1, {k}).{hint}")
    out = out.reshape(-1)
    if out.dtype == bool:
        return out.astype(int)
    if np.issubdtype(out.dtype, np.floating):
        if not np.isfinite(out).all():
            raise InputError(f"{func}: 'predict' returned NaN or inf; check the parameters it uses.")
        fractional = out != np.round(out)
        if fractional.any():
            raise InputError(f"{func}: 'predict' returned non-integer values such as {out[fractional][0]:.4g}; "
                             f"it must return class labels, e.g. (AL > 0.5).astype(int) for a sigmoid output or "
                             f"np.argmax(AL, axis=0).reshape(1, -1) for a softmax output.")
    if out.min() < 0:
        raise InputError(f"{func}: 'predict' returned the label {out.min():.4g}; labels must be 0, 1, 2, ...")
    return out.astype(int)


def _scatter_by_class(ax, X, labels, names):
    """One scatter (PathCollection) per class present, in palette colour and class marker."""
    for c, name in enumerate(names):
        members = labels == c
        if members.any():
            ax.scatter(X[0, members], X[1, members], s=26, color=_colour(c), marker=_marker(c),
                       edgecolors=_EDGE, linewidths=0.6, label=name, zorder=3)


def _square_if_comparable(ax, x_span: float, y_span: float):
    # Equal scales show the geometry as it is; skip them when one axis would be squashed to a sliver.
    if x_span > 0 and y_span > 0 and 1 / 3 <= y_span / x_span <= 3:
        ax.set_aspect("equal", adjustable="box")


def _draw_decision_boundary(func, predict, X, Y, ax, title, resolution, margin, class_names, legend):
    X = _check_points(func, X)
    labels = _check_class_labels(func, Y, X.shape[1])
    _check_int(func, "resolution", resolution, 2)
    if not np.isscalar(margin) or not margin >= 0:
        raise InputError(f"{func}: 'margin' must be a number >= 0, got {margin!r}.")

    x_min, x_max = X[0].min() - margin, X[0].max() + margin
    y_min, y_max = X[1].min() - margin, X[1].max() + margin
    if x_max == x_min:
        x_min, x_max = x_min - 1.0, x_max + 1.0
    if y_max == y_min:
        y_min, y_max = y_min - 1.0, y_max + 1.0
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    P = np.vstack([xx.ravel(), yy.ravel()])                    # (2, resolution**2): one grid point per column
    regions = _predict_labels(func, predict, P).reshape(xx.shape)

    n_classes = max(int(labels.max()), int(regions.max())) + 1
    if class_names is not None:
        n_classes = max(n_classes, len(class_names))
    n_classes = max(n_classes, 2)
    names = _check_class_names(func, class_names, n_classes)

    # Half-integer levels put each integer label in its own band, so the fill follows the grid's labels exactly.
    ax.contourf(xx, yy, regions, levels=np.arange(n_classes + 1) - 0.5,
                colors=[_colour(c) for c in range(n_classes)], alpha=0.25, zorder=1)
    # The edge of each class's region; for two classes one indicator is enough. A class absent from the grid
    # (or covering all of it) has no edge.
    for c in range(1 if n_classes == 2 else n_classes):
        inside = (regions == c).astype(float)
        if 0 < inside.sum() < inside.size:
            ax.contour(xx, yy, inside, levels=[0.5], colors=_BOUNDARY, linewidths=1.2, zorder=2)
    _scatter_by_class(ax, X, labels, names)

    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    _square_if_comparable(ax, x_max - x_min, y_max - y_min)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("Decision boundary" if title is None else title)
    handles, texts = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=_BOUNDARY, linewidth=1.2))
    texts.append("decision boundary")
    if legend:
        ax.legend(handles, texts, loc="best", framealpha=0.9, fontsize="small")
    # What the description needs: the classifier's labels of the data points too.
    drawn = dict(X=X, labels=labels, predicted=_predict_labels(func, predict, X), regions=regions, names=names,
                 styles=_class_styles(n_classes), limits=((x_min, x_max), (y_min, y_max)))
    return handles, texts, drawn


# ---------------------------------------------------------------------------------------------- 2-D classifiers

def decision_boundary(predict, X, Y, *, ax=None, title=None, resolution=200, margin=0.5, class_names=None):
    """Shade the region a classifier assigns to each class, draw its boundary, and scatter the data on top.

    predict : function mapping points P, ndarray (2, k), to predicted labels, ndarray (1, k) (ints, 0/1 or
        booleans). A trained network gives one with e.g. ``lambda P: predict(parameters, P)``.
    X : ndarray, shape (2, m)
        The data, one 2-D point per column; the grid covers it plus ``margin`` on every side.
    Y : ndarray, shape (1, m) of labels 0, 1, ... (ints or 0.0/1.0), or one-hot, shape (k, m)
        True classes, which colour the points.
    resolution : grid points per axis (the classifier is evaluated on resolution**2 points).
    class_names : names for the legend, one per class (default "class 0", "class 1", ...).
    Returns the matplotlib Figure.
    """
    fig, ax = _axes(ax, (6.0, 5.0))
    _, _, drawn = _draw_decision_boundary("decision_boundary", predict, X, Y, ax, title, resolution, margin,
                                          class_names, legend=True)
    describe(ax, figure_text.decision_boundary_text(title=ax.get_title(), **drawn))
    return fig


def decision_boundary_grid(predictors, X, Y, *, ncols=4, resolution=120, suptitle=None):
    """One small ``decision_boundary`` per classifier, side by side, with one shared legend.

    predictors : dict mapping a panel title to a predict function, points (2, k) -> labels (1, k).
    X : ndarray, shape (2, m).  Y : ndarray, labels (1, m) or one-hot (k, m).
    ncols : panels per row.  resolution : grid points per axis in each panel.
    Returns the matplotlib Figure.
    """
    func = "decision_boundary_grid"
    if not isinstance(predictors, Mapping) or not predictors:
        raise InputError(f"{func}: 'predictors' must be a non-empty dict mapping a title to a predict function, "
                         f"got {type(predictors).__name__}{' (empty)' if isinstance(predictors, Mapping) else ''}.")
    _check_int(func, "ncols", ncols, 1)
    n = len(predictors)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 3.3 * nrows + 0.5), layout="constrained",
                             squeeze=False)
    handles, texts, panels = [], [], []
    for ax, (name, predict) in zip(axes.flat, predictors.items()):
        panel_handles, panel_texts, drawn = _draw_decision_boundary(func, predict, X, Y, ax, str(name), resolution,
                                                                    0.5, None, legend=False)
        panels.append((str(name), drawn["predicted"]))
        if len(panel_texts) > len(texts):
            handles, texts, names, styles = panel_handles, panel_texts, drawn["names"], drawn["styles"]
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.legend(handles, texts, loc="outside lower center", ncols=min(len(texts), 6), fontsize="small")
    if suptitle is not None:
        fig.suptitle(suptitle)
    describe(fig, figure_text.decision_boundary_grid_text(drawn["X"], drawn["labels"], panels, names, styles,
                                                          drawn["limits"], suptitle))
    return fig


def scatter_classes(X, Y, *, ax=None, title=None, class_names=None):
    """Scatter 2-D data coloured (and marked) by class.

    X : ndarray, shape (2, m).  Y : ndarray, labels (1, m) or one-hot (k, m).
    class_names : names for the legend, one per class (default "class 0", ...).
    Returns the matplotlib Figure.
    """
    func = "scatter_classes"
    X = _check_points(func, X)
    labels = _check_class_labels(func, Y, X.shape[1])
    n_classes = max(int(labels.max()) + 1, len(class_names) if class_names is not None else 0)
    names = _check_class_names(func, class_names, n_classes)
    fig, ax = _axes(ax, (6.0, 5.0))
    _scatter_by_class(ax, X, labels, names)
    _square_if_comparable(ax, np.ptp(X[0]), np.ptp(X[1]))
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("Data" if title is None else title)
    ax.legend(loc="best", framealpha=0.9, fontsize="small")
    describe(ax, figure_text.scatter_text(X, labels, names, _class_styles(len(names)), ax.get_title()))
    return fig


# ---------------------------------------------------------------------------------------------- training

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
    _check_int(func, "every", every, 1)
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


# ---------------------------------------------------------------------------------------------- networks

def _visible_units(n: int, max_units: int) -> list:
    """Slots of a layer from top to bottom: unit indices, with None standing for the elided middle."""
    if n <= max_units:
        return list(range(n))
    return list(range(max_units - 2)) + [None, n - 1]


def network_diagram(layer_dims, *, activations=None, ax=None, max_units=8, title=None):
    """Draw a fully connected network: one column of units per layer, an edge for every weight.

    layer_dims : sequence of ints [n[0], n[1], ..., n[L]]; layer 0 is the input x_1 ... x_n[0].
    activations : sequence of L names, the activation g[l] of layers 1..L (e.g. ["relu", "sigmoid"]), or None.
    max_units : a layer with more units shows its first max_units - 2 units, a vertical ellipsis and its last
        unit; its label gives the full count n[l].
    Returns the matplotlib Figure.
    """
    func = "network_diagram"
    dims = list(np.asarray(layer_dims).reshape(-1)) if isinstance(layer_dims, np.ndarray) else list(layer_dims)
    if len(dims) < 2:
        raise InputError(f"{func}: 'layer_dims' must list at least two layer sizes [n[0], ..., n[L]], got "
                         f"{layer_dims!r}.")
    for l, n in enumerate(dims):
        _check_int(func, f"layer_dims[{l}]", n, 1)
    dims = [int(n) for n in dims]
    L = len(dims) - 1
    if activations is not None:
        if isinstance(activations, str) or len(activations) != L:
            got = repr(activations) if isinstance(activations, str) else f"{len(activations)} name(s)"
            raise InputError(f"{func}: 'activations' must list one name per layer 1..L ({L} names for "
                             f"layer_dims = {dims}), got {got}.")
    _check_int(func, "max_units", max_units, 3)

    slots = [_visible_units(n, max_units) for n in dims]
    tallest = max(len(s) for s in slots)
    dx, radius = 2.6, 0.3

    def y_of(l, s):
        # Centre every layer vertically; slot 0 at the top.
        return (len(slots[l]) - 1) / 2 - s

    fig, ax = _axes(ax, (min(14.0, max(4.5, 2.0 * (L + 1) + 1.0)), max(3.0, 0.6 * tallest + 1.6)))

    segments = []
    for l in range(1, L + 1):
        for s_prev, j_prev in enumerate(slots[l - 1]):
            for s, j in enumerate(slots[l]):
                if j_prev is not None and j is not None:
                    segments.append([((l - 1) * dx, y_of(l - 1, s_prev)), (l * dx, y_of(l, s))])
    ax.add_collection(LineCollection(segments, colors="0.55", linewidths=0.6, alpha=0.8, zorder=1))

    for l, layer_slots in enumerate(slots):
        colour = PALETTE[4] if l == 0 else (PALETTE[2] if l == L else PALETTE[1])
        for s, j in enumerate(layer_slots):
            x, y = l * dx, y_of(l, s)
            if j is None:
                ax.text(x, y, r"$\vdots$", ha="center", va="center", fontsize=16)
                continue
            ax.add_patch(Circle((x, y), radius, facecolor=_tint(colour, 0.45), edgecolor=_EDGE, linewidth=1.0,
                                zorder=2))
            if l == 0:
                ax.text(x - radius - 0.12, y, f"$x_{{{j + 1}}}$", ha="right", va="center", fontsize=10)
            elif l == L:
                label = r"$\hat{y}$" if dims[L] == 1 else rf"$\hat{{y}}_{{{j + 1}}}$"
                ax.text(x + radius + 0.12, y, label, ha="left", va="center", fontsize=10)
        if l == 0:
            lines = ["input layer", f"n[0] = {dims[0]}"]
        else:
            lines = [f"layer {l}" + (" (output)" if l == L else ""), f"n[{l}] = {dims[l]}"]
            if activations is not None:
                lines.append(str(activations[l - 1]))
        ax.text(l * dx, -tallest / 2 - 0.25, "\n".join(lines), ha="center", va="top", fontsize=9)

    ax.set_xlim(-1.2, L * dx + 1.2)
    ax.set_ylim(-tallest / 2 - 1.4, tallest / 2 + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    hidden = L - 1
    default = f"{L}-layer network ({hidden} hidden layer{'' if hidden == 1 else 's'}): layer_dims = {dims}"
    ax.set_title(default if title is None else title, fontsize=11)
    describe(ax, figure_text.network_text(dims, activations, max_units, ax.get_title()))
    return fig


def _graph_structure(func, nodes, edges):
    """Validate a computation graph; return (names, labels, edge list, predecessors, successors)."""
    if isinstance(nodes, Mapping):
        names, labels = list(nodes), [nodes[name] for name in nodes]
    elif isinstance(nodes, (list, tuple)):
        names, labels = list(nodes), list(nodes)
    else:
        raise InputError(f"{func}: 'nodes' must be a dict mapping each node's name to its label (or a list of "
                         f"names), got {type(nodes).__name__}.")
    if not names:
        raise InputError(f"{func}: 'nodes' is empty; give at least one node.")
    for name, label in zip(names, labels):
        if not isinstance(name, str):
            raise InputError(f"{func}: node names must be strings, got {name!r} ({type(name).__name__}).")
        if not isinstance(label, str):
            raise InputError(f"{func}: the label of node {name!r} must be a string, got {type(label).__name__}.")
    if len(set(names)) != len(names):
        twice = next(name for name in names if names.count(name) > 1)
        raise InputError(f"{func}: the node {twice!r} is listed twice in 'nodes'.")
    if isinstance(edges, (str, Mapping)) or not hasattr(edges, "__iter__"):
        raise InputError(f"{func}: 'edges' must be a list of (source, target) pairs of node names, got "
                         f"{type(edges).__name__}.")
    known = set(names)
    listed = ", ".join(repr(name) for name in names[:8]) + (", ..." if len(names) > 8 else "")
    pairs = []
    for edge in edges:
        if isinstance(edge, str) or not isinstance(edge, (tuple, list)) or len(edge) != 2:
            raise InputError(f"{func}: every edge must be a (source, target) pair of node names, got {edge!r}.")
        edge = (edge[0], edge[1])
        for end in edge:
            if end not in known:
                raise InputError(f"{func}: the edge {edge!r} uses the node {end!r}, which is not in 'nodes' "
                                 f"({listed}). Add it to 'nodes' or fix the name.")
        if edge in pairs:
            raise InputError(f"{func}: the edge {edge!r} is listed twice in 'edges'.")
        pairs.append(edge)
    predecessors = {name: [] for name in names}
    successors = {name: [] for name in names}
    for source, target in pairs:
        predecessors[target].append(source)
        successors[source].append(target)
    return names, dict(zip(names, labels)), pairs, predecessors, successors


def _text_width_inches(text: str, fontsize: float) -> float:
    """Width of ``text`` (mathtext allowed) at ``fontsize`` points, measured without a renderer."""
    try:
        return TextPath((0, 0), text, size=fontsize).get_extents().width / 72
    except ValueError:                       # text that mathtext cannot parse: fall back on a rough estimate
        return 0.55 * fontsize * len(text) / 72


def _topological_order(func, names, predecessors, successors):
    """Kahn's algorithm; raise InputError naming a cycle when the graph has one."""
    waiting = {name: len(predecessors[name]) for name in names}
    ready = [name for name in names if waiting[name] == 0]
    order = []
    while ready:
        name = ready.pop(0)
        order.append(name)
        for target in successors[name]:
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    if len(order) == len(names):
        return order
    # Every node left over has a predecessor that is also left over: walking backwards must revisit a node.
    left = {name for name in names if waiting[name] > 0}
    walk = [next(name for name in names if name in left)]
    while walk.count(walk[-1]) == 1:
        walk.append(next(p for p in predecessors[walk[-1]] if p in left))
    cycle = walk[walk.index(walk[-1]):][::-1]
    raise InputError(f"{func}: the edges form a cycle, {' -> '.join(cycle)}; a computation graph must be acyclic "
                     f"(every node is computed from nodes that come before it).")


def computation_graph(nodes, edges, *, ax=None, title=None, highlight=None, edge_labels=None,
                      highlight_label=None):
    """Draw a computation graph left to right: one box per intermediate variable, one arrow per dependency.

    nodes : dict mapping a node's name (str, e.g. "u3") to its label (str, mathtext allowed, e.g.
        "$u_3 = 1 + u_2$"), or a list of names, which then serve as labels. Nodes of the same depth are
        stacked in this order, top to bottom, unless their inputs' positions say otherwise.
    edges : list of (source, target) pairs of node names, one for every variable that the target is computed
        from. The graph must be acyclic.
    edge_labels : dict mapping an edge (source, target) to a label written on its arrow, e.g. the local
        derivative {("u3", "u4"): "$-1/u_3^2$"}. Edges left out carry no label.
    highlight : collection of node names (str) and edges ((source, target) tuples) to draw in the highlight
        colour (vermillion) with thicker lines, e.g. the one path from an input to an output:
        ``path + list(zip(path, path[1:]))`` for a list of node names ``path``.
    highlight_label : legend text for the highlighted part (no legend when None).

    Layout: a node's column is its depth, the length of the longest path reaching it from a node without
    inputs; within a column, nodes sit near the mean height of their inputs, at least one row apart. Columns
    are as wide as their widest label, and a new figure is sized so that a data unit is about an inch (up to a
    width of 14 inches). Inputs (nodes without incoming edges) are tinted blue, outputs (without outgoing
    edges) green; an edge label sits on its arrow, in the gap before the target's column.
    Every node is a Text with a rounded box, gid "node:<name>"; every arrow an Annotation, gid
    "edge:<source>-><target>"; every edge label a Text, gid "edge_label:<source>-><target>".
    Returns the matplotlib Figure.
    """
    func = "computation_graph"
    names, labels, pairs, predecessors, successors = _graph_structure(func, nodes, edges)
    order = _topological_order(func, names, predecessors, successors)

    if edge_labels is None:
        edge_labels = {}
    if not isinstance(edge_labels, Mapping):
        raise InputError(f"{func}: 'edge_labels' must be a dict mapping (source, target) to a label, got "
                         f"{type(edge_labels).__name__}.")
    for key, text in edge_labels.items():
        if not isinstance(key, tuple) or tuple(key) not in pairs:
            raise InputError(f"{func}: 'edge_labels' has a label for {key!r}, which is not one of the edges; keys "
                             f"must be (source, target) pairs listed in 'edges'.")
        if not isinstance(text, str):
            raise InputError(f"{func}: the label of edge {key!r} must be a string, got {type(text).__name__}.")

    lit_nodes, lit_edges = set(), set()
    for item in ([] if highlight is None else highlight):
        if isinstance(item, str):
            if item not in labels:
                raise InputError(f"{func}: 'highlight' names the node {item!r}, which is not in 'nodes'.")
            lit_nodes.add(item)
        elif isinstance(item, tuple) and len(item) == 2 and item in pairs:
            lit_edges.add(item)
        else:
            raise InputError(f"{func}: 'highlight' holds {item!r}, which is neither a node name nor an edge "
                             f"(source, target) listed in 'edges'.")

    depth = {}
    for name in order:
        depth[name] = 1 + max((depth[p] for p in predecessors[name]), default=-1)
    n_columns = max(depth.values()) + 1
    rank = {name: i for i, name in enumerate(names)}
    y = {}
    for column in range(n_columns):
        members = [name for name in names if depth[name] == column]
        wanted = {name: float(np.mean([y[p] for p in predecessors[name]])) if predecessors[name] else 0.0
                  for name in members}
        members.sort(key=lambda name: (-wanted[name], rank[name]))     # top (largest y) first
        placed = []
        for name in members:                                           # keep one row between neighbours
            placed.append(wanted[name] if not placed else min(wanted[name], placed[-1] - 1.0))
        shift = np.mean([wanted[name] for name in members]) - np.mean(placed)
        for name, height in zip(members, placed):
            y[name] = height + shift
    # Data units are inches at the default figure size: each column is as wide as its widest box, and the gap
    # between two columns leaves room for an arrow and its label.
    fontsize, pad = 11, 0.45
    half_width = {name: _text_width_inches(labels[name], fontsize) / 2 + pad * fontsize / 72 for name in names}
    column_half = [max(half_width[name] for name in names if depth[name] == c) for c in range(n_columns)]
    gap = 1.1 if edge_labels else 0.6
    centres = [column_half[0]]
    for c in range(1, n_columns):
        centres.append(centres[-1] + column_half[c - 1] + gap + column_half[c])
    gap_middles = [centres[c] + column_half[c] + gap / 2 for c in range(n_columns - 1)]
    x = {name: centres[depth[name]] for name in names}
    top, bottom = max(y.values()), min(y.values())
    left, right = -0.25, centres[-1] + column_half[-1] + 0.25

    with_legend = highlight_label is not None and bool(lit_nodes or lit_edges)
    figsize = (min(14.0, max(4.5, right - left + 0.3)), 1.05 * (top - bottom) + 1.4 + 0.3 * with_legend)
    fig, ax = _axes(ax, figsize)
    highlight_colour = PALETTE[5]
    boxes = {}
    for name in names:
        if not predecessors[name]:
            fill = _tint(PALETTE[4], 0.35)
        elif not successors[name]:
            fill = _tint(PALETTE[2], 0.35)
        else:
            fill = "0.94"
        lit = name in lit_nodes
        text = ax.text(x[name], y[name], labels[name], ha="center", va="center", fontsize=fontsize, zorder=3,
                       bbox=dict(boxstyle=f"round,pad={pad}", facecolor=fill,
                                 edgecolor=highlight_colour if lit else _EDGE, linewidth=2.6 if lit else 1.0))
        text.set_gid(f"node:{name}")
        text.set_in_layout(False)
        boxes[name] = text
    # Arrows are clipped at the boxes' outlines, which are only known once the boxes are drawn: draw them later.
    for source, target in pairs:
        lit = (source, target) in lit_edges
        arrow = ax.annotate("", xy=(x[target], y[target]), xytext=(x[source], y[source]), zorder=4,
                            arrowprops=dict(arrowstyle="-|>", mutation_scale=14, shrinkA=2, shrinkB=2,
                                            color=highlight_colour if lit else "0.3", linewidth=2.4 if lit else 1.1,
                                            patchA=boxes[source].get_bbox_patch(),
                                            patchB=boxes[target].get_bbox_patch()))
        arrow.set_gid(f"edge:{source}->{target}")
        arrow.set_in_layout(False)
        if (source, target) in edge_labels:
            # In the middle of the gap before the target's column, where no box can hide the label.
            label_x = gap_middles[depth[target] - 1]
            t = (label_x - x[source]) / (x[target] - x[source])
            label = ax.text(label_x, y[source] + t * (y[target] - y[source]),
                            edge_labels[(source, target)], ha="center", va="center", fontsize=9.5, zorder=5,
                            color=highlight_colour if lit else "0.1",
                            bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.9))
            label.set_gid(f"edge_label:{source}->{target}")
            label.set_in_layout(False)

    ax.set_xlim(left, right)
    ax.set_ylim(bottom - 0.6, top + 0.6)
    ax.axis("off")
    if with_legend:
        ax.legend([Line2D([], [], color=highlight_colour, linewidth=2.4)], [str(highlight_label)],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False, fontsize="small")
    if title:
        ax.set_title(title, fontsize=11)
    describe(ax, figure_text.computation_graph_text(names, labels, order, pairs, predecessors, successors,
                                                    edge_labels, lit_nodes, lit_edges, highlight_label, title))
    return fig


# ---------------------------------------------------------------------------------------------- activations

def activation_plot(z, a, da_dz, *, name, ax=None, saturation_threshold=0.05, kink=None):
    """Plot an activation g(z) and its derivative g'(z), shading where the derivative almost vanishes.

    z : ndarray, shape (n,), increasing grid of pre-activations.
    a : ndarray, shape (n,), g(z).   da_dz : ndarray, shape (n,), g'(z).
    name : the activation's name, used as title.
    saturation_threshold : shade the tails of the z range where |g'(z)| < saturation_threshold: the runs of such
        z that reach an end of the grid, stopping short of z = 0 (5% of max |z|), where a small slope is a kink
        (ReLU) rather than saturation.
    kink : None, or the z where g has a kink and g'(z) jumps (0 for ReLU); ``z`` must contain it exactly.
        The derivative is then drawn as two pieces that are not joined: a filled marker at the value ``da_dz``
        takes at the kink (the convention of the backward step that computed it) and an open marker at each
        one-sided limit it does not take (read off the neighbouring grid points). A side of the kink where
        g'(z) is exactly 0 is shaded whole as "dead" (no gradient flows back), instead of as saturation.
    Returns the matplotlib Figure.
    """
    func = "activation_plot"
    z = check_array(func, "z", z, ndim=1).astype(float)
    a = check_array(func, "a", a, ndim=1).astype(float)
    da_dz = check_array(func, "da_dz", da_dz, ndim=1).astype(float)
    for arg, values in (("a", a), ("da_dz", da_dz)):
        if values.shape != z.shape:
            raise ShapeError(f"{func}: argument '{arg}' has shape {shape_text(values.shape)} but needs the shape of "
                             f"'z', {shape_text(z.shape)}: one value per grid point.")
    if z.size < 2 or np.any(np.diff(z) <= 0):
        raise InputError(f"{func}: 'z' must be an increasing grid of at least 2 points, e.g. "
                         f"np.linspace(-5, 5, 401).")
    if not np.isscalar(saturation_threshold) or not saturation_threshold > 0:
        raise InputError(f"{func}: 'saturation_threshold' must be a number > 0, got {saturation_threshold!r}.")
    if kink is not None:
        at_kink = np.flatnonzero(z == kink) if np.isscalar(kink) else np.array([], dtype=int)
        if at_kink.size != 1 or not 0 < at_kink[0] < z.size - 1:
            raise InputError(f"{func}: 'kink' must be a point of the grid 'z' other than its ends, got {kink!r}; "
                             f"e.g. np.linspace(-4, 4, 401) contains 0 exactly.")

    fig, ax = _axes(ax, (6.0, 4.0))
    ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
    ax.axvline(0.0, color="0.6", linewidth=0.8, zorder=0)
    ax.plot(z, a, color=PALETTE[0], linewidth=2.0, label="g(z)")
    derivative = dict(color=PALETTE[5], linewidth=2.0, linestyle="--")
    dead = np.zeros(z.shape, dtype=bool)
    if kink is None:
        ax.plot(z, da_dz, label="g'(z)", **derivative)
    else:
        k = int(at_kink[0])
        value, limits = da_dz[k], {"left": da_dz[k - 1], "right": da_dz[k + 1]}
        # Each piece runs up to the kink at its one-sided limit, so the jump shows as a gap, not a vertical line.
        ax.plot(np.append(z[:k], kink), np.append(da_dz[:k], limits["left"]), label="g'(z)", **derivative)
        ax.plot(np.insert(z[k + 1:], 0, kink), np.insert(da_dz[k + 1:], 0, limits["right"]), **derivative)
        ax.plot([kink], [value], linestyle="none", marker="o", markersize=7, color=PALETTE[5], zorder=4,
                label=f"g'({kink:g}) = {value:g}: the value used at the kink")
        for side, limit in limits.items():
            if not np.isclose(limit, value):
                ax.plot([kink], [limit], linestyle="none", marker="o", markersize=7, color=PALETTE[5],
                        markerfacecolor="white", zorder=4, label=f"{limit:g}: the limit from the {side}, not used")
        for side in (z <= kink, z >= kink):
            if np.all(da_dz[side & (z != kink)] == 0):
                dead |= side
        if dead.any():
            ax.fill_between(z, 0, 1, where=dead, transform=ax.get_xaxis_transform(), color="0.5", alpha=0.18,
                            hatch="//", edgecolor="0.6", linewidth=0, zorder=0,
                            label="dead: g'(z) = 0, no gradient flows back")
    flat = (np.abs(da_dz) < saturation_threshold) & (np.abs(z) > 0.05 * np.abs(z).max()) & ~dead
    # Saturation is the curve flattening out towards large |z|: keep only the flat runs that reach an end of the
    # grid, not a flat stretch in the middle (such as the slope of z**3 near 0).
    saturated = np.cumprod(flat).astype(bool) | np.cumprod(flat[::-1])[::-1].astype(bool)
    if saturated.any():
        ax.fill_between(z, 0, 1, where=saturated, transform=ax.get_xaxis_transform(), color="0.5", alpha=0.18,
                        linewidth=0, zorder=0, label=f"saturation (|g'(z)| < {saturation_threshold:g})")
    ax.set_xlim(z[0], z[-1])
    ax.set_xlabel("z")
    ax.set_ylabel("g(z) and g'(z)")
    ax.set_title(str(name))
    ax.legend(loc="best", framealpha=0.9, fontsize="small")
    describe(ax, figure_text.activation_text(z, a, da_dz, name, saturated, dead, saturation_threshold, kink,
                                             (figure_text.line_style(PALETTE[0], "-"),
                                              figure_text.line_style(PALETTE[5], "--"))))
    return fig


# ---------------------------------------------------------------------------------------------- matrices

def _text_colour(rgba) -> str:
    # Relative luminance of the cell's colour: dark text on light cells, white text on dark ones.
    r, g, b = rgba[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def _format(value, fmt: str) -> str:
    return format(int(round(value)), fmt) if fmt.endswith("d") else format(value, fmt)


def _set_ticks(ax, axis: str, n: int, labels, func: str, arg: str):
    set_ticks = ax.set_xticks if axis == "x" else ax.set_yticks
    if labels is not None:
        labels = [str(label) for label in labels]
        if len(labels) != n:
            raise InputError(f"{func}: '{arg}' has {len(labels)} label(s) but the matrix has {n} "
                             f"{'columns' if axis == 'x' else 'rows'}.")
        set_ticks(np.arange(n), labels=labels)
        if axis == "x" and n > 6 and max(len(label) for label in labels) > 2:
            for text in ax.get_xticklabels():
                text.set(rotation=45, ha="right", rotation_mode="anchor")
    elif n <= 20:
        set_ticks(np.arange(n))


def _draw_heatmap(func, M, ax, title, row_labels, col_labels, xlabel, ylabel, annotate, fmt, diverging,
                  colorbar_label, vmin=None, vmax=None):
    M = check_array(func, "M", M, ndim=2)
    if M.size == 0:
        raise ShapeError(f"{func}: argument 'M' has shape {shape_text(M.shape)}: there is nothing to draw.")
    M = M.astype(float)
    rows, cols = M.shape
    if diverging is None:
        diverging = bool(M.min() < 0 < M.max())
    if annotate is None:
        annotate = rows <= 12 and cols <= 12

    if diverging:
        limit = float(np.abs(M).max()) or 1.0
        cmap, vmin, vmax = DIVERGING_CMAP, -limit, limit
    else:
        cmap = SEQUENTIAL_CMAP
        vmin = float(M.min()) if vmin is None else vmin
        vmax = float(M.max()) if vmax is None else vmax
        if vmin == vmax:                       # a constant matrix: any non-empty range shows it as one colour
            vmin, vmax = vmin - 0.5, vmax + 0.5

    width = min(12.0, max(4.5, 0.6 * cols + 2.2))
    height = min(10.0, max(3.5, 0.6 * rows + 1.5))
    fig, ax = _axes(ax, (width, height))
    aspect = "equal" if max(rows, cols) <= 4 * min(rows, cols) else "auto"
    image = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax, aspect=aspect, interpolation="nearest")
    fig.colorbar(image, ax=ax, label=colorbar_label or "")

    if annotate:
        fontsize = 9 if max(rows, cols) <= 10 else 8
        for i in range(rows):
            for j in range(cols):
                ax.text(j, i, _format(M[i, j], fmt), ha="center", va="center", fontsize=fontsize,
                        color=_text_colour(image.cmap(image.norm(M[i, j]))))

    _set_ticks(ax, "y", rows, row_labels, func, "row_labels")
    _set_ticks(ax, "x", cols, col_labels, func, "col_labels")
    ax.set_xlabel("column j" if xlabel is None else xlabel)
    ax.set_ylabel("row i" if ylabel is None else ylabel)
    if title:
        ax.set_title(title)
    return fig


def heatmap(M, *, ax=None, title=None, row_labels=None, col_labels=None, xlabel=None, ylabel=None,
            annotate=None, fmt=".2f", diverging=None, colorbar_label=None):
    """Show a matrix as colours, e.g. a weight matrix W[l] of shape (n[l], n[l-1]) or a gradient dW[l].

    M : ndarray, shape (rows, cols); row 0 is at the top.
    diverging : True for a diverging colour map centred at 0 with symmetric limits (signed values), False for a
        sequential one; None picks diverging exactly when M has both negative and positive entries.
    annotate : write each value in its cell (in ``fmt``, e.g. ".2f" or "d"); None does so when M has at most
        12 x 12 entries.
    row_labels, col_labels : tick labels, one per row / column.  xlabel, ylabel default to "column j", "row i".
    Returns the matplotlib Figure.
    """
    fig = _draw_heatmap("heatmap", M, ax, title, row_labels, col_labels, xlabel, ylabel, annotate, fmt,
                        diverging, colorbar_label)
    M = np.asarray(M, dtype=float)
    rows, cols = M.shape
    names = [[figure_text.plain(label) for label in labels] if labels is not None else [str(k) for k in range(n)]
             for labels, n in ((row_labels, rows), (col_labels, cols))]
    describe(fig, figure_text.heatmap_text(
        M, *names, "column j" if xlabel is None else xlabel, "row i" if ylabel is None else ylabel,
        bool(M.min() < 0 < M.max()) if diverging is None else diverging,
        rows <= 12 and cols <= 12 if annotate is None else annotate, title))
    return fig


def confusion_matrix_plot(C, *, class_names=None, ax=None, title="Confusion matrix", normalize=False):
    """Show a confusion matrix: C[i, j] counts examples of true class i predicted as class j.

    C : ndarray of ints, shape (k, k), as returned by ``ffnn.metrics.confusion_matrix``.
    normalize : divide each row by its total, so a cell is the fraction of true class i predicted as j (a row
        of zeros stays zero).
    class_names : tick labels, one per class (default 0, 1, ..., k-1).
    Returns the matplotlib Figure.
    """
    func = "confusion_matrix_plot"
    C = check_array(func, "C", C, ndim=2)
    if C.shape[0] != C.shape[1] or C.size == 0:
        raise ShapeError(f"{func}: argument 'C' has shape {shape_text(C.shape)} but needs (k, k): one row and one "
                         f"column per class.")
    if C.min() < 0 or not np.all(C == np.round(C)):
        raise InputError(f"{func}: argument 'C' must hold counts (integers >= 0); compute it with "
                         f"ffnn.metrics.confusion_matrix(labels_true, labels_pred, n_classes).")
    k = C.shape[0]
    names = class_names if class_names is not None else [str(c) for c in range(k)]
    if normalize:
        totals = C.sum(axis=1, keepdims=True).astype(float)
        shown = np.divide(C, totals, out=np.zeros(C.shape), where=totals > 0)
        fmt, vmin, vmax, bar = ".2f", 0.0, 1.0, "fraction of true class"
    else:
        shown = C
        fmt, vmin, vmax, bar = "d", 0.0, None, "count"
    fig = _draw_heatmap(func, shown, ax, title, names, names, "predicted class", "true class", None, fmt, False,
                        bar, vmin=vmin, vmax=vmax)
    describe(fig, figure_text.confusion_text(C, [figure_text.plain(name) for name in names], normalize, title))
    return fig


# ---------------------------------------------------------------------------------------------- bars

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
