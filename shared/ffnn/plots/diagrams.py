"""Diagrams of nodes and edges: a fully connected network (``network_diagram``) and a computation graph
(``computation_graph``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.textpath import TextPath

from .. import figure_text
from ..figure_text import describe
from ..validation import InputError, check_int
from .style import PALETTE, _EDGE, _axes, _tint


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
        check_int(func, f"layer_dims[{l}]", n, 1)
    dims = [int(n) for n in dims]
    L = len(dims) - 1
    if activations is not None:
        if isinstance(activations, str) or len(activations) != L:
            got = repr(activations) if isinstance(activations, str) else f"{len(activations)} name(s)"
            raise InputError(f"{func}: 'activations' must list one name per layer 1..L ({L} names for "
                             f"layer_dims = {dims}), got {got}.")
    check_int(func, "max_units", max_units, 3)

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
