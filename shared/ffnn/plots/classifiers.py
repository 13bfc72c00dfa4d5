"""Plots of 2-D classifiers: data coloured by class, and the regions and boundary a classifier draws."""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from .. import figure_text
from ..figure_text import describe
from ..metrics import labels_of
from ..validation import InputError, ShapeError, check_array, check_int, shape_text
from .style import _BOUNDARY, _EDGE, _axes, _class_styles, _colour, _marker


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
    check_int(func, "resolution", resolution, 2)
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
    check_int(func, "ncols", ncols, 1)
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
