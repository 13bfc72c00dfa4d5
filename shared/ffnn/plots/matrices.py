"""Matrices as colours: a heat map of any matrix (weights, gradients) and a confusion matrix."""

from __future__ import annotations

import numpy as np

from .. import figure_text
from ..figure_text import describe
from ..validation import InputError, ShapeError, check_array, shape_text
from .style import DIVERGING_CMAP, SEQUENTIAL_CMAP, _axes, _format


def _text_colour(rgba) -> str:
    # Relative luminance of the cell's colour: dark text on light cells, white text on dark ones.
    r, g, b = rgba[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


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
