"""Notebook 4's three output/cost pairs as three networks, provided in notebook 5: for each task its output
activation, its cost from the logits (eqs. 23, 24), the backward pass from dZ[L] = A[L] - Y (eq. 22) with the 1/m
in the seed or in every layer, and its accuracy. A task is "binary", "categorical" or "multilabel"."""

from __future__ import annotations

import numpy as np

from .. import metrics
from . import network
from .activations import sigmoid, softmax

SHIPPED_FROM = "05_capstone"

TASKS = ("binary", "categorical", "multilabel")

__all__ = ["TASKS", "output_activation", "forward", "cost", "network_cost", "backward", "accuracy"]


def output_activation(Z, task):
    """Softmax over each column for one class out of n[L] (eq. 13); independent sigmoids otherwise (eq. 9)."""
    return softmax(Z) if task == "categorical" else sigmoid(Z)


def forward(X, parameters, task):
    """The network's forward pass (``network.forward``) with the task's output activation: AL, caches."""
    return network.forward(X, parameters, lambda Z: output_activation(Z, task))


def cost(ZL, Y, task):
    """The task's cross-entropy from the logits, averaged over the m examples (eq. 24 for one class out of n[L];
    eq. 23 summed over the labels otherwise)."""
    m = Y.shape[1]
    if task == "categorical":
        shifted = ZL - np.max(ZL, axis=0, keepdims=True)
        log_A = shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))
        return float(-np.sum(Y * log_A) / m)
    return float(np.sum(np.logaddexp(0.0, ZL) - Y * ZL) / m)


def network_cost(parameters, X, Y, task):
    """J of the network at these parameters: a forward pass, then the cost of its logits."""
    _, caches = forward(X, parameters, task)
    return cost(caches[-1][1][0], Y, task)


def backward(AL, Y, caches, placement="seed"):
    """Eqs. (3)-(6) from dZ[L] = A[L] - Y, eq. (22), which all three pairs share: with the 1/m in the seed
    (``placement="seed"``: dZ[L] = (A[L] - Y)/m) or in every layer (``"layer"``: dW and db each divided by m)."""
    if placement not in ("seed", "layer"):
        raise ValueError(f"backward: placement is 'seed' or 'layer', not {placement!r}")
    m = Y.shape[1]
    if placement == "seed":
        return network.backward((AL - Y) / m, caches)
    return {name: gradient / m for name, gradient in network.backward(AL - Y, caches).items()}


def accuracy(parameters, X, Y, task):
    """The share of examples classified right (multi-label: of labels)."""
    AL, _ = forward(X, parameters, task)
    if task == "categorical":
        return metrics.accuracy(metrics.labels_of(AL), metrics.labels_of(Y))
    return metrics.accuracy((AL > 0.5).astype(int), Y)
