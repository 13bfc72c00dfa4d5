"""Text alternatives of the course's figures: what a screen reader reads instead of the picture.

One thing, at about 420 lines: the descriptions, one builder per kind of figure the course draws.

Every figure the course draws gets a short description written from its data: what is plotted, the axes, and the
main finding (``ffnn.plots`` builds one in each of its functions with the ``*_text`` builders below; a notebook
describes a figure it draws with matplotlib directly with ``describe``). A description reaches the reader two ways:

- ``describe`` prints it as a caption line, "Figure: ...", right away: students see it in the cell's output, above
  the figure, and a screen reader reads it in JupyterLab, which ignores the metadata of images;
- when IPython displays the figure, its image/png output carries the metadata ``{"alt": <description>}``, which
  nbconvert writes as the ``alt`` of the ``<img>`` in HTML exports and in the course's feedback pages. This wraps
  the PNG formatter that the inline backend registers for ``Figure``; only under IPython, once, and again if the
  backend registers a new one (``%config InlineBackend.figure_formats``). Plain scripts are left alone.

The sentences of one figure accumulate, one per panel (or per ``describe`` call); the first is printed after
"Figure: ", the others after "Figure, continued: ". Numbers are written with at most 4 significant digits.
"""

from __future__ import annotations

import math
import re
import sys
import weakref

import numpy as np

from .validation import InputError

__all__ = ["describe", "description", "install_alt_text", "number"]

CAPTION = "Figure: "
CONTINUED = "Figure, continued: "

#: Plain names of the Okabe-Ito colours (ffnn.plots.PALETTE), of the class markers, line styles and hatchings.
COLOUR_NAMES = {"#0072B2": "blue", "#E69F00": "orange", "#009E73": "green", "#CC79A7": "pink", "#56B4E9": "sky blue",
                "#D55E00": "vermillion", "#F0E442": "yellow", "#000000": "black"}
MARKER_NAMES = {"o": "circles", "s": "squares", "^": "triangles", "D": "diamonds", "v": "down-pointing triangles",
                "P": "plus signs", "X": "crosses", "<": "left-pointing triangles", ">": "right-pointing triangles"}
LINESTYLE_NAMES = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash-dotted"}
HATCH_NAMES = {"": "plain", "//": "hatched /", "\\\\": "hatched \\", "xx": "cross-hatched", "..": "dotted",
               "oo": "ringed", "++": "grid-hatched", "--": "striped"}

_DESCRIPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# ---------------------------------------------------------------------------------------------- describing a figure

def _figure_of(func: str, target):
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase
    if isinstance(target, (Axes, FigureBase)):
        return target.get_figure(root=True)
    raise InputError(f"{func}: 'target' must be a matplotlib Figure or Axes, got {type(target).__name__}.")


def describe(target, text: str):
    """Add a sentence to the text alternative of ``target``'s figure and print it as a caption line.

    target : a matplotlib Figure (or SubFigure) or Axes; the sentence belongs to its whole figure, after the
        sentences already there (one per panel, say).
    text : what the figure shows, written from its data: what is plotted, the axes, the main finding, e.g.
        ``f"Cost J against iteration 0 to {len(costs) - 1}: from {costs[0]:.4f} down to {min(costs):.4f}."``
    Prints "Figure: <text>" (the figure's first sentence) or "Figure, continued: <text>", and returns the Figure.
    """
    fig = _figure_of("describe", target)
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"describe: 'text' must be a non-empty string saying what the figure shows, got {text!r}.")
    sentence = " ".join(text.split())
    if not sentence.endswith((".", "!", "?")):
        sentence += "."
    sentences = _DESCRIPTIONS.setdefault(fig, [])
    print((CONTINUED if sentences else CAPTION) + sentence)
    sentences.append(sentence)
    install_alt_text()
    return fig


def description(target) -> str:
    """The text alternative of ``target``'s figure: its sentences joined, or "" when it has none."""
    return " ".join(_DESCRIPTIONS.get(_figure_of("description", target), []))


# ---------------------------------------------------------------------------------------------- alt text under IPython

def _shell():
    """The running IPython shell, or None (IPython is not imported here unless something else already did)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _with_alt_text(original):
    def png_with_alt_text(fig, *args, **kwargs):
        result = original(fig, *args, **kwargs)
        try:
            text = description(fig)
        except InputError:
            text = ""
        if not text or result is None:
            return result
        if isinstance(result, tuple) and len(result) == 2:     # e.g. retina: (data, {"width": ..., "height": ...})
            data, metadata = result
            return data, {**(metadata or {}), "alt": text}
        return result, {"alt": text}

    png_with_alt_text.adds_alt_text = True
    png_with_alt_text.__wrapped__ = original
    return png_with_alt_text


def install_alt_text() -> bool:
    """Make IPython's PNG output of a described Figure carry {"alt": <description>} in its metadata.

    Wraps the function registered for ``Figure`` in ``display_formatter.formatters["image/png"]`` (the inline
    backend registers it when the first figure is made), once: calling again changes nothing. Returns whether the
    wrapper is in place; False outside IPython or before a PNG formatter for figures exists."""
    shell = _shell()
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if not formatters or "image/png" not in formatters:
        return False
    from matplotlib.figure import Figure
    png = formatters["image/png"]
    try:
        current = png.lookup_by_type(Figure)
    except KeyError:
        return False
    if not getattr(current, "adds_alt_text", False):
        png.for_type(Figure, _with_alt_text(current))
    return True


# ---------------------------------------------------------------------------------------------- words and numbers

def number(x) -> str:
    """A number in at most 4 significant digits ("0.6931", "1.2e-05", "400"), "NaN", "inf" or "-inf"."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = format(x + 0.0, ".4g")
    return "0" if text == "-0" else text


def count(n: int, noun: str) -> str:
    """'1 unit', '12 weights', '3 classes'."""
    plural = noun if int(n) == 1 else noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")
    return f"{int(n):d} {plural}"


def share(part, whole) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


_END = r"(?![A-Za-z])"                                          # the end of a command's name
_TEX = [(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2"),
        (r"\\(?:mathrm|mathbf|mathit|text|operatorname)\{([^{}]*)\}", r"\1"),
        (r"\\hat\{y\}", "ŷ"), (r"\\partial\s*", "∂"), (r"\\sigma" + _END, "σ"), (r"\\(?:var)?epsilon" + _END, "ε"),
        (r"\\sum" + _END, "Σ"), (r"\\neq" + _END, "≠"), (r"\\cdot" + _END, "·"), (r"\\times" + _END, "×"),
        (r"\\odot" + _END, "⊙"), (r"\\[lv]?dots" + _END, "..."), (r"\\[,;:! ]", " "), (r"\\([A-Za-z]+)", r"\1")]


def plain(text) -> str:
    """A label as a screen reader should read it: mathtext ($...$) without its markup, on one line."""
    text = str(text)
    if "$" in text:
        parts = text.split("$")
        for k in range(1, len(parts), 2):                       # the odd parts are inside $...$
            math_part = parts[k]
            for pattern, replacement in _TEX:
                math_part = re.sub(pattern, replacement, math_part)
            parts[k] = math_part.replace("{", "").replace("}", "")
        text = "".join(parts)
    return " ".join(text.replace("\n", ", ").split())


def titled(kind: str, title) -> str:
    """'Line chart "Cost during training"', or just the kind when there is no title."""
    title = plain(title) if title else ""
    return f'{kind} "{title}"' if title and title.lower() != kind.lower() else kind


def line_style(colour, linestyle="-") -> str:
    """'dashed orange'."""
    return f"{LINESTYLE_NAMES.get(linestyle, 'patterned')} {COLOUR_NAMES.get(str(colour).upper(), 'line')}"


def marker_style(colour, marker) -> str:
    """'orange squares'."""
    return f"{COLOUR_NAMES.get(str(colour).upper(), 'grey')} {MARKER_NAMES.get(marker, 'markers')}"


def bar_style(colour, hatch) -> str:
    """'orange, hatched /'."""
    return f"{COLOUR_NAMES.get(str(colour).upper(), 'grey')}, {HATCH_NAMES.get(hatch, 'patterned')}"


def _runs(mask) -> list:
    mask = np.asarray(mask, dtype=bool)
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def _ranges(x, mask, limit=3) -> str:
    """'from -8 to -2.3 and from 2.3 to 8': the runs of ``mask`` as ranges of x."""
    runs = _runs(mask)
    text = [f"from {number(x[start])} to {number(x[stop - 1])}" if stop - start > 1 else f"at {number(x[start])}"
            for start, stop in runs[:limit]]
    if len(runs) > limit:
        text.append(f"{len(runs) - limit} more stretches")
    return " and ".join(text) if len(text) <= 2 else ", ".join(text[:-1]) + " and " + text[-1]


# ---------------------------------------------------------------------------------------------- one builder per plot

def _classes(labels, names, styles) -> str:
    parts = []
    for c, name in enumerate(names):
        n = int(np.sum(labels == c))
        if n:
            parts.append(f"{plain(name)}: {count(n, 'point')}, {styles[c]}")
    return "; ".join(parts)


def scatter_text(X, labels, names, styles, title) -> str:
    m = X.shape[1]
    return (f"{titled('Scatter plot', title)} of {count(m, 'point')}, x_1 (horizontal) from {number(X[0].min())} "
            f"to {number(X[0].max())} and x_2 (vertical) from {number(X[1].min())} to {number(X[1].max())}; "
            f"{_classes(labels, names, styles)}.")


def _correct(labels, predicted, names) -> str:
    m = labels.size
    right = int(np.sum(labels == predicted))
    per_class = [f"{plain(name)}: {int(np.sum((labels == c) & (predicted == c)))} of {int(np.sum(labels == c))}"
                 for c, name in enumerate(names) if np.any(labels == c)]
    return f"{right} of {m} ({share(right, m)}; {', '.join(per_class)})"


def decision_boundary_text(X, labels, predicted, regions, names, styles, limits, title) -> str:
    (x_min, x_max), (y_min, y_max) = limits
    areas = ", ".join(f"{plain(name)} on {share(int(np.sum(regions == c)), regions.size)}"
                      for c, name in enumerate(names) if np.any(regions == c))
    return (f"{titled('Decision-boundary plot', title)} over x_1 from {number(x_min)} to {number(x_max)} and x_2 "
            f"from {number(y_min)} to {number(y_max)}: shaded regions show the class a classifier predicts "
            f"({areas} of the area), with {count(X.shape[1], 'data point')} on top, marked by their true class "
            f"({_classes(labels, names, styles)}). Points the classifier labels correctly: "
            f"{_correct(labels, predicted, names)}.")


def decision_boundary_grid_text(X, labels, panels, names, styles, limits, suptitle) -> str:
    (x_min, x_max), (y_min, y_max) = limits
    right = "; ".join(f'"{plain(title)}": {int(np.sum(labels == predicted))} of {labels.size} '
                      f"({share(int(np.sum(labels == predicted)), labels.size)})" for title, predicted in panels)
    return (f"{titled(f'{len(panels)} decision-boundary panels', suptitle)}, one per classifier, each over x_1 from "
            f"{number(x_min)} to {number(x_max)} and x_2 from {number(y_min)} to {number(y_max)}, with the same "
            f"{count(X.shape[1], 'data point')} ({_classes(labels, names, styles)}). Points labelled correctly: "
            f"{right}.")


def _at(label: str, x) -> str:
    """'iteration 400' for a one-word axis, 'logit z = -3' otherwise."""
    return f"{label} {number(x)}" if label.isalpha() and len(label) > 1 else f"{label} = {number(x)}"


def _series(label, style, x, values, xlabel) -> str:
    """'"label" (solid blue): 0.6931 at iteration 0, 0.2 at iteration 99, lowest 0.19 at iteration 80'."""
    name = f'"{plain(label)}" ({style})' if label is not None else f"The line ({style})"
    finite = np.isfinite(values)
    if not finite.any():
        return f"{name}: no finite value"
    first, last = np.flatnonzero(finite)[[0, -1]]
    lowest, highest = values[finite].min(), values[finite].max()
    # The first point at the minimum, up to rounding: which of several equal values is smallest depends on the CPU.
    low = int(np.flatnonzero(finite & (values <= lowest + 1e-9 * abs(lowest) + 1e-12 * (highest - lowest)))[0])
    text = (f"{name}: {number(values[first])} at {_at(xlabel, x[first])}, {number(values[last])} at "
            f"{_at(xlabel, x[last])}, lowest {number(values[low])} at {_at(xlabel, x[low])}")
    if not finite.all():
        text += f"; NaN or inf for {xlabel} {_ranges(x, ~finite)} ({int(np.sum(~finite))} of {values.size} points)"
    return text


def line_chart_text(runs, xlabel, ylabel, title, log_y) -> str:
    """runs: list of (label or None for a single unnamed series, style, x, values), one per line."""
    xlabel, ylabel = plain(xlabel) or "x", plain(ylabel) or "y"
    xs = np.concatenate([np.asarray(x, dtype=float) for _, _, x, _ in runs])
    xs = xs[np.isfinite(xs)]
    lines = [_series(label, style, np.asarray(x, dtype=float), values, xlabel) for label, style, x, values in runs]
    n = len(runs)
    return (f"{titled('Line chart', title)}: {ylabel} (vertical, {'log' if log_y else 'linear'} scale) against "
            f"{xlabel} (horizontal) from {number(xs.min())} to {number(xs.max())}"
            f"{'' if n == 1 else f', {n} series'}. " + ". ".join(lines) + ".")


def activation_text(z, a, da_dz, name, saturated, dead, threshold, kink, styles) -> str:
    """styles: how g and g' are drawn, e.g. ("solid blue", "dashed vermillion")."""
    top = np.nanmax(da_dz)
    peak = np.isclose(da_dz, top, rtol=1e-9, atol=1e-12)
    where = (f"at z = {number(z[np.flatnonzero(peak)[0]])}" if peak.sum() == 1
             else f"for z {_ranges(z, peak, limit=2)}")
    low, high = np.nanmin(a), np.nanmax(a)
    extremes = "" if {low, high} == {a[0], a[-1]} else f" (lowest {number(low)}, highest {number(high)})"
    text = (f"{titled('Activation plot', name)}: g(z) ({styles[0]}) and its derivative g'(z) ({styles[1]}) for "
            f"z from {number(z[0])} to {number(z[-1])}. g(z) goes from {number(a[0])} at z = {number(z[0])} to "
            f"{number(a[-1])} at z = {number(z[-1])}{extremes}; g'(z) is largest, {number(top)}, {where}.")
    if kink is not None:
        k = int(np.flatnonzero(z == kink)[0])
        text += (f" At the kink z = {number(kink)}, g'(z) jumps from {number(da_dz[k - 1])} (left) to "
                 f"{number(da_dz[k + 1])} (right); the value used there is {number(da_dz[k])}.")
    if dead.any():
        text += f" Dead, g'(z) = 0 so no gradient flows back: z {_ranges(z, dead)}."
    if saturated.any():
        text += f" Saturated, |g'(z)| < {number(threshold)}: z {_ranges(z, saturated)}."
    elif not dead.any():
        text += f" Nowhere saturated (|g'(z)| < {number(threshold)} at no end of the range)."
    return text


def _short(label: str) -> str:
    """The variable a node's label defines: "u_3" for "$u_3 = 1 + u_2$"."""
    text = plain(label)
    return text.split(" = ")[0].strip() if " = " in text else text


def computation_graph_text(names, labels, order, pairs, predecessors, successors, edge_labels, lit_nodes,
                           lit_edges, highlight_label, title) -> str:
    short = {name: _short(labels[name]) for name in names}
    arrows = ", ".join(f"{short[s]} → {short[t]}" + (f" ({plain(edge_labels[(s, t)])})" if (s, t) in edge_labels
                                                     else "") for s, t in pairs)
    text = (f"{titled('Computation graph', title)}, {count(len(names), 'node')} in the order they are computed: "
            f"{'; '.join(plain(labels[name]) for name in order)}. "
            f"Inputs: {', '.join(short[n] for n in order if not predecessors[n])}; outputs: "
            f"{', '.join(short[n] for n in order if not successors[n])}. "
            f"{count(len(pairs), 'arrow')}{' (with the label on each)' if edge_labels else ''}: {arrows or 'none'}.")
    if lit_nodes or lit_edges:
        parts = []
        if lit_nodes:
            parts.append("nodes " + ", ".join(short[n] for n in order if n in lit_nodes))
        if lit_edges:
            parts.append("arrows " + ", ".join(f"{short[s]} → {short[t]}" for s, t in pairs if (s, t) in lit_edges))
        about = f' ("{plain(highlight_label)}")' if highlight_label is not None else ""
        text += f" Highlighted in thick vermillion{about}: {' and '.join(parts)}."
    return text


def network_text(dims, activations, max_units, title) -> str:
    L = len(dims) - 1
    layers = [f"input layer of {count(dims[0], 'unit')}"]
    for l in range(1, L + 1):
        g = f", {activations[l - 1]}" if activations is not None else ""
        layers.append(f"layer {l}{' (output)' if l == L else ''} of {count(dims[l], 'unit')}{g}")
    weights = sum(dims[l] * dims[l - 1] for l in range(1, L + 1))
    elided = (f" Layers of more than {max_units} units show their first {max_units - 2} units, an ellipsis and "
              f"the last." if max(dims) > max_units else "")
    return (f"{titled('Network diagram', title)}: {'; '.join(layers)}. Every unit feeds every unit of the next "
            f"layer: {count(weights, 'weight')} in all.{elided}")


def _cell(M, i, j, row_names, col_names) -> str:
    return f"{number(M[i, j])} at row {row_names[i]}, column {col_names[j]}"


def heatmap_text(M, row_names, col_names, xlabel, ylabel, diverging, annotate, title) -> str:
    rows, cols = M.shape
    i_max, j_max = np.unravel_index(np.argmax(M), M.shape)
    i_min, j_min = np.unravel_index(np.argmin(M), M.shape)
    scale = ("a diverging colour scale centred at 0 (blue negative, red positive)" if diverging
             else "a sequential colour scale (dark low, yellow high)")
    text = (f"{titled('Heat map', title)} of a {rows} × {cols} matrix: rows {plain(ylabel)} ({row_names[0]} to "
            f"{row_names[-1]}), columns {plain(xlabel)} ({col_names[0]} to {col_names[-1]}), in {scale}"
            f"{', each value written in its cell' if annotate else ''}. Largest "
            f"{_cell(M, i_max, j_max, row_names, col_names)}; smallest {_cell(M, i_min, j_min, row_names, col_names)}")
    total = np.abs(M).sum()
    if rows == cols and total > 0:
        text += f"; the diagonal holds {share(np.abs(np.diag(M)).sum(), total)} of the total absolute value"
    return text + "."


def confusion_text(C, names, normalize, title) -> str:
    k = C.shape[0]
    total = int(C.sum())
    right = int(np.trace(C))
    off = C.astype(float) - np.diag(np.diag(C)).astype(float)
    text = (f"{titled('Confusion matrix', title)}: true class (rows) against predicted class (columns) for "
            f"{count(k, 'class')} and {count(total, 'example')}"
            f"{', each row divided by its total' if normalize else ''}. On the diagonal (predicted correctly): "
            f"{right} of {total} ({share(right, total)}).")
    if off.max() > 0:
        i, j = np.unravel_index(np.argmax(off), off.shape)
        text += (f" Most frequent mistake: {int(C[i, j])} of {int(C[i].sum())} examples of class {names[i]} "
                 f"predicted as {names[j]}.")
    totals = C.sum(axis=1)
    present = np.flatnonzero(totals > 0)
    if present.size > 1:
        recall = np.diag(C)[present] / totals[present]
        worst, best = present[np.argmin(recall)], present[np.argmax(recall)]
        text += (f" Best recognised: {names[best]} ({int(C[best, best])} of {int(totals[best])}); worst: "
                 f"{names[worst]} ({int(C[worst, worst])} of {int(totals[worst])}).")
    return text


def grouped_bars_text(values, names, styles, formatted, xlabel, ylabel, title, fmt) -> str:
    """values: dict label -> ndarray (n_groups,); formatted(value) writes a value as the bars do."""
    labels = list(values)
    groups = "; ".join(f"{plain(group)}: " + ", ".join(formatted(values[label][g]) for label in labels)
                       for g, group in enumerate(names))
    series = ", ".join(f'"{plain(label)}" ({style})' for label, style in zip(labels, styles))
    axis = f"{plain(ylabel)} (vertical)" if ylabel else "values (vertical)"
    along = f"{plain(xlabel)} (horizontal)" if xlabel else "group (horizontal)"
    text = (f"{titled('Grouped bar chart', title)}: {axis} against {along}, {count(len(names), 'group')} of "
            f"{count(len(labels), 'bar')}, one per series: {series}. Values in that order, {groups}.")
    if len(labels) > 1:
        stacked = np.vstack([values[label] for label in labels])
        gaps = stacked.max(axis=0) - stacked.min(axis=0)
        g = int(np.argmax(gaps))
        gap = f"{gaps[g] * 100:.1f} percentage points" if fmt.endswith("%") else formatted(gaps[g])
        text += (f" Largest gap between series: {plain(names[g])}, {gap} (highest: "
                 f"\"{plain(labels[int(np.argmax(stacked[:, g]))])}\").")
    return text


install_alt_text()
