"""The reference implementation: the course's solutions, vectorized, with forward and backward side by side.

Instructors and the grader import it; student releases ship without it (``ffnn`` itself never imports it).

- ``activations``: ReLU, sigmoid, tanh, softmax and their backward steps; the ``ACTIVATIONS`` table.
- ``costs``: binary, categorical and multi-label cross-entropy, their seeds, from-logits forms; ``COSTS``.
- ``layers``: one layer's linear and activation steps with caches.
- ``network``: L-layer initialization, forward, backward, training, predict, accuracy.
- ``descent``: the one gradient-descent loop every trainer uses (eq. 27).
- ``input_checks``: what the network functions refuse (parameters, caches, layer sizes), and the messages.
- ``gradcheck``: centred-difference gradients and the relative error.
- ``two_layer``, ``deep``: the graded functions of notebooks 1 and 2 with the signatures the notebooks use.
- ``capstone``: notebook 5's graded functions (parameter vector, whole-network gradient check, mini-batches, L2,
  the choice of hyperparameters).
- ``mistakes``: the catalogue of known mistakes, one file per notebook, as functions that make them.
- ``cases``, ``verdict``, ``local_grading``, ``fixtures``: the hidden tests' cases and verdicts, and the checker's
  stored cases (README.md, "Layout", follows a hidden test from cases to score).
"""

from . import activations, capstone, costs, deep, gradcheck, layers, network, two_layer
from .activations import ACTIVATIONS, get_activation
from .costs import COSTS, get_cost
from .gradcheck import numerical_gradient, relative_error
from .network import accuracy, backward, forward, initialize_parameters, predict, train, update_parameters

__all__ = ["activations", "capstone", "costs", "deep", "gradcheck", "layers", "network", "two_layer", "ACTIVATIONS",
           "COSTS",
           "get_activation", "get_cost", "numerical_gradient", "relative_error", "accuracy", "backward", "forward",
           "initialize_parameters", "predict", "train", "update_parameters"]
