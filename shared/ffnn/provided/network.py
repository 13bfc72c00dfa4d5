"""Notebook 2's L-layer network with the top layer left open, provided from notebook 4 on: ReLU hidden layers, any
output activation, a backward pass that starts at dZ[L], batch gradient descent. Caches in the course's layout,
one per layer, ((A_prev, W, b), (Z, A)) (shared/NOTATION.md)."""

from __future__ import annotations

import numpy as np

from .activations import relu, relu_backward

SHIPPED_FROM = "04_costs"

__all__ = ["initialize_parameters", "forward", "backward", "train"]


def initialize_parameters(layer_dims, seed):
    """He initialization (notebook 2): W[l] ~ N(0, 2 / n[l-1]) of shape (n[l], n[l-1]), b[l] = 0 of shape (n[l], 1),
    drawn from np.random.default_rng(seed), W1 first."""
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n_prev = layer_dims[l - 1]
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], n_prev)) * np.sqrt(2.0 / n_prev)
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


def forward(X, parameters, output_activation):
    """Eqs. (1), (2): ReLU hidden layers, then ``output_activation`` (a function of Z[L]). X : (n[0], m).

    Returns AL : (n[L], m) and the caches, layer 1 first; Z[L], the logits, is ``caches[-1][1][0]``."""
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        A_prev, W, b = A, parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A_prev + b
        A = output_activation(Z) if l == L else relu(Z)
        caches.append(((A_prev, W, b), (Z, A)))
    return A, caches


def backward(dZL, caches):
    """Eqs. (4)-(6), (8) from the top layer's dZ[L] down: dW[l] = dZ[l] A[l-1]^T, db[l] = Σ_axis=1 dZ[l], with no
    1/m of their own (whatever scale dZL carries, the seed convention's 1/m included, carries through)."""
    grads, dZ = {}, dZL
    for l in range(len(caches), 0, -1):
        (A_prev, W, _), _ = caches[l - 1]
        grads[f"dW{l}"] = dZ @ A_prev.T
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            (_, (Z_prev, _)) = caches[l - 2]
            dZ = relu_backward(W.T @ dZ, Z_prev)
    return grads


def train(X, Y, layer_dims, output_activation, top_dZ, cost, learning_rate=0.5, num_iterations=1000, seed=0):
    """Batch gradient descent (notebook 2, eq. 27) whose backward pass starts at dZ[L] = top_dZ(AL, Y).

    cost(ZL, AL, Y) gives the recorded cost; seed convention: top_dZ carries the 1/m. Returns the trained
    parameters and the cost of every iteration, each before its update."""
    parameters = initialize_parameters(layer_dims, seed)
    costs = []
    for _ in range(num_iterations):
        AL, caches = forward(X, parameters, output_activation)
        costs.append(cost(caches[-1][1][0], AL, Y))
        grads = backward(top_dZ(AL, Y), caches)
        parameters = {key: value - learning_rate * grads[f"d{key}"] for key, value in parameters.items()}
    return parameters, costs
