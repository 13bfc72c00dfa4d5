"""What every notebook's catalogue of mistakes is built from: the ``Mistake`` entry, and the few pieces that
several catalogues' mistakes share (the textbook sigmoid, the training loop and the prediction of notebooks 1 and 2
with a mistake switched on)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..descent import gradient_descent

__all__ = ["Mistake", "mistake", "textbook_sigmoid", "training_loop", "predicted_labels"]


@dataclass(frozen=True)
class Mistake:
    """One typical mistake: a short ``name``, the ``message`` a student reads, and one or more ``variants`` (the
    same mistake written the ways students write it, e.g. with ``@`` or ``np.dot``, whose error messages differ)."""
    name: str
    message: str
    variants: tuple[Callable, ...]


def mistake(name, message, *variants):
    return Mistake(name, message, tuple(variants))


def textbook_sigmoid(Z):
    # The textbook form; inputs in the fixtures are moderate, so it does not overflow there.
    return 1.0 / (1.0 + np.exp(-Z))


def training_loop(forward, cost, backward, update, parameters, X, Y, num_iterations, learning_rate, record_after):
    """Gradient descent as nn_model and L_layer_model run it, with the steps passed in (as looked up when the
    mistake runs: the catalogue's tests put a notebook's own there); ``record_after``: each cost recorded after the
    update instead of before it (the catalogued mistake: costs[0] is then not the initial parameters' cost)."""
    def cost_and_grads(parameters):
        A, caches = forward(X, parameters)
        return cost(A, Y), backward(A, caches, parameters)

    parameters, costs = gradient_descent(parameters, cost_and_grads, update, learning_rate, num_iterations)
    if record_after and costs:
        # after update i comes the cost that iteration i + 1 records; after the last, the final parameters' cost
        costs = costs[1:] + [cost(forward(X, parameters)[0], Y)]
    return parameters, costs


def predicted_labels(A, *, probabilities=False, flat=False):
    """Labels from the output layer's ``A`` (1 where A > 0.5), or (mistakes) the probabilities themselves, or a
    flattened row."""
    if probabilities:
        return A
    labels = (A > 0.5).astype(int)
    return labels.reshape(-1) if flat else labels
