"""Stand-ins for graded functions, used by the hidden tests of the functions that call them.

A hidden test of ``nn_model`` must not fail because ``backward_propagation`` is wrong (that costs its own cell),
and it must not hand the kernel the reference's answers either. So, while the hidden tests run ``nn_model``, its
collaborators (``forward_propagation``, ``backward_propagation``, ...) are replaced by these stand-ins: they
return arrays of the right shapes whose values are a pseudo-random function of their arguments. The grader computes
the expected result by running the reference ``nn_model`` with the same stand-ins; a student's ``nn_model`` gets
it only by making the same calls with the same arguments and returning what they return.

Arguments are compared through float32 (rounding differences of float64 arithmetic do not change the values).
"""

from __future__ import annotations

import hashlib
import numbers

import numpy as np

__all__ = ["STANDINS", "standins_for"]


def _feed(digest, value):
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value, dtype=np.float32) + np.float32(0.0)  # -0.0 and 0.0 alike
        digest.update(f"a{array.shape}".encode())
        digest.update(array.tobytes())
    elif isinstance(value, dict):
        digest.update(b"d")
        for key in sorted(value, key=str):
            digest.update(str(key).encode())
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"l{len(value)}".encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, (bool, np.bool_, numbers.Integral)):
        digest.update(f"i{int(value)}".encode())
    elif isinstance(value, numbers.Real):
        digest.update(np.float32(value).tobytes())
    else:
        digest.update(repr(value).encode())


def _rng(name, *arguments):
    digest = hashlib.sha256(name.encode())
    for value in arguments:
        _feed(digest, value)
    return np.random.default_rng(int.from_bytes(digest.digest()[:8], "little"))


def _probabilities(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


def _like(rng, mapping, prefix=""):
    return {f"{prefix}{key}": rng.standard_normal(np.shape(value)) for key, value in mapping.items()}


# Notebook 1 --------------------------------------------------------------------------------------------------------

def layer_sizes(X, Y, n_h):
    # not the true sizes (each is 1 to 3 too large): a stand-in must not be an answer (tests/test_no_leaks.py)
    extra = _rng("layer_sizes", X, Y, n_h).integers(1, 4, 3)
    return X.shape[0] + int(extra[0]), int(n_h) + int(extra[1]), Y.shape[0] + int(extra[2])


def initialize_parameters(n_x, n_h, n_y, seed=0):
    rng = _rng("initialize_parameters", n_x, n_h, n_y, seed)
    return {"W1": rng.standard_normal((n_h, n_x)), "b1": rng.standard_normal((n_h, 1)),
            "W2": rng.standard_normal((n_y, n_h)), "b2": rng.standard_normal((n_y, 1))}


def forward_propagation(X, parameters):
    rng = _rng("forward_propagation", X, parameters)
    n_h, n_y, m = parameters["W1"].shape[0], parameters["W2"].shape[0], X.shape[1]
    Z1, Z2 = rng.standard_normal((n_h, m)), rng.standard_normal((n_y, m))
    A1, A2 = np.tanh(Z1), _probabilities(rng, (n_y, m))
    W1, b1, W2, b2 = (parameters[key] for key in ("W1", "b1", "W2", "b2"))
    return A2, [((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))]


def compute_cost(A2, Y):
    return float(_rng("compute_cost", A2, Y).uniform(0.1, 1.0))


def backward_propagation(parameters, caches, X, Y):
    return _like(_rng("backward_propagation", parameters, caches, X, Y), parameters, "d")


def update_parameters(parameters, grads, learning_rate):
    return _like(_rng("update_parameters", parameters, grads, learning_rate), parameters)


# Notebook 2 --------------------------------------------------------------------------------------------------------

def initialize_parameters_deep(layer_dims, seed=0, scale="he"):
    rng = _rng("initialize_parameters_deep", list(layer_dims), seed, str(scale))
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1]))
        parameters[f"b{l}"] = rng.standard_normal((layer_dims[l], 1))
    return parameters


def relu(Z):
    return np.abs(_rng("relu", Z).standard_normal(np.shape(Z)))


def sigmoid(Z):
    return _probabilities(_rng("sigmoid", Z), np.shape(Z))


def relu_backward(dA, Z):
    return _rng("relu_backward", dA, Z).standard_normal(np.shape(dA))


def sigmoid_backward(dA, A):
    return _rng("sigmoid_backward", dA, A).standard_normal(np.shape(dA))


def linear_forward(A_prev, W, b):
    Z = _rng("linear_forward", A_prev, W, b).standard_normal((W.shape[0], A_prev.shape[1]))
    return Z, (A_prev, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    rng = _rng("linear_activation_forward", A_prev, W, b, activation)
    shape = (W.shape[0], A_prev.shape[1])
    Z = rng.standard_normal(shape)
    A = _probabilities(rng, shape) if activation == "sigmoid" else np.abs(rng.standard_normal(shape))
    return A, ((A_prev, W, b), (Z, A))


def L_model_forward(X, parameters):
    rng = _rng("L_model_forward", X, parameters)
    L = len(parameters) // 2
    caches, A = [], X
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = rng.standard_normal((W.shape[0], X.shape[1]))
        A_next = _probabilities(rng, Z.shape) if l == L else np.abs(rng.standard_normal(Z.shape))
        caches.append(((A, W, b), (Z, A_next)))
        A = A_next
    return A, caches


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    rng = _rng("linear_backward", dZ, cache)
    return rng.standard_normal(np.shape(A_prev)), rng.standard_normal(np.shape(W)), rng.standard_normal(np.shape(b))


def linear_activation_backward(dA, cache, activation):
    (A_prev, W, b), _ = cache
    rng = _rng("linear_activation_backward", dA, cache, activation)
    return rng.standard_normal(np.shape(A_prev)), rng.standard_normal(np.shape(W)), rng.standard_normal(np.shape(b))


def L_model_backward(AL, Y, caches):
    rng = _rng("L_model_backward", AL, Y, caches)
    grads = {}
    for l, ((_, W, b), _) in enumerate(caches, start=1):
        grads[f"dW{l}"], grads[f"db{l}"] = rng.standard_normal(np.shape(W)), rng.standard_normal(np.shape(b))
    return grads


def _compute_cost_deep(AL, Y):
    return float(_rng("compute_cost", AL, Y).uniform(0.1, 1.0))


_compute_cost_deep.__name__ = "compute_cost"

STANDINS = {
    "two_layer": {f.__name__: f for f in (layer_sizes, initialize_parameters, forward_propagation, compute_cost,
                                          backward_propagation, update_parameters)},
    "deep": {f.__name__: f for f in (initialize_parameters_deep, relu, sigmoid, relu_backward, sigmoid_backward,
                                     linear_forward, linear_activation_forward,
                                     L_model_forward, _compute_cost_deep, linear_backward, linear_activation_backward,
                                     L_model_backward, update_parameters)},
}


def standins_for(suite, names) -> dict:
    """The stand-ins of ``names`` (collaborators of one graded function of ``suite``)."""
    return {name: STANDINS[suite][name] for name in names}
