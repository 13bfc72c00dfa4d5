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

Files: ``classifiers`` (decision boundaries, scatter), ``training`` (loss and other curves), ``diagrams`` (network,
computation graph), ``activations``, ``matrices``, ``bars``; ``style`` holds the palette, markers and colour maps
and the drawing helpers the kinds share (their argument checks are the package's, ``ffnn.validation``).

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

from ..figure_text import describe, description
from .activations import activation_plot
from .bars import grouped_bars
from .classifiers import decision_boundary, decision_boundary_grid, scatter_classes
from .diagrams import computation_graph, network_diagram
from .matrices import confusion_matrix_plot, heatmap
from .style import DIVERGING_CMAP, HATCHES, MARKERS, PALETTE, SEQUENTIAL_CMAP
from .training import curves, loss_curves

__all__ = ["PALETTE", "MARKERS", "HATCHES", "SEQUENTIAL_CMAP", "DIVERGING_CMAP", "curves", "decision_boundary",
           "decision_boundary_grid", "scatter_classes", "loss_curves", "network_diagram", "computation_graph",
           "activation_plot", "heatmap", "confusion_matrix_plot", "grouped_bars", "describe", "description"]
