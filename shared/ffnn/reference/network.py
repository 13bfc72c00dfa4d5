"""L-layer networks: initialization, forward, backward, gradient descent, prediction (eqs. 1-6, 22).

A network is described by ``layer_dims = [n[0], n[1], ..., n[L]]`` and ``activations``, a list of L activation
names (one per weight layer, the last one being the output activation). ``parameters`` is a dict with
``W1, b1, ..., WL, bL``; ``grads`` has ``dW1, db1, ..., dWL, dbL``. Seed convention throughout (1/m in the seed).
"""

from __future__ import annotations


import numpy as np

from ..metrics import accuracy  # noqa: F401  (re-exported: one definition, student-facing)
from ..validation import InputError, ShapeError, check_array, check_shapes, require_choice, validated
from .activations import ACTIVATIONS
from .costs import get_cost, output_layer_dZ
from .descent import gradient_descent
from .layers import linear_activation_backward, linear_activation_forward, linear_backward

__all__ = ["INITIALIZATIONS", "initialize_parameters", "network_activations", "forward", "backward",
           "update_parameters", "compute_cost", "train", "predict", "accuracy", "num_layers"]

#: Standard deviation of the weights of layer l as a function of n[l-1].
INITIALIZATIONS = {
    "small": lambda n_prev: 0.01,                   # the notes' "randn * 0.01"
    "he": lambda n_prev: np.sqrt(2.0 / n_prev),     # keeps the spread of ReLU activations constant
    "xavier": lambda n_prev: np.sqrt(1.0 / n_prev),  # keeps the spread of tanh activations constant
}


def _check_layer_dims(func, layer_dims):
    dims = list(layer_dims) if isinstance(layer_dims, (list, tuple, np.ndarray)) else None
    if not dims or len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in dims):
        raise InputError(f"{func}: 'layer_dims' must be a list of at least two positive ints [n[0], ..., n[L]], "
                         f"got {layer_dims!r}.")
    return [int(n) for n in dims]


def initialize_parameters(layer_dims, method="he", seed=0):
    """Random weights, zero biases, eq. (28): ``W[l] ~ N(0, s^2)`` of shape (n[l], n[l-1]), ``b[l] = 0`` of shape
    (n[l], 1).

    layer_dims : [n[0], ..., n[L]].  method : 'small' (s = 0.01), 'he' (s = sqrt(2/n[l-1])) or 'xavier'
    (s = sqrt(1/n[l-1])).  seed : int for ``np.random.default_rng``; W1, W2, ... are drawn in that order.
    Zero weights would keep every unit of a layer identical forever (symmetry), so weights are random.
    """
    dims = _check_layer_dims("initialize_parameters", layer_dims)
    require_choice("initialize_parameters", "method", method, tuple(INITIALIZATIONS))
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        scale = INITIALIZATIONS[method](dims[l - 1])
        parameters[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * scale
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def num_layers(parameters) -> int:
    """L, the number of weight layers in ``parameters`` (a dict of W1 (n[1], n[0]), b1 (n[1], 1), ..., WL, bL)."""
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    return L


def network_activations(L, hidden="relu", output="sigmoid"):
    """The list of L activation names (g[1], ..., g[L] of eq. 2): ``hidden`` for layers 1..L-1, ``output`` for L."""
    return [hidden] * (L - 1) + [output]


def _check_network(func, X, parameters, activations, Y=None):
    """Check parameters against each other and X; return (X, L, activations as a list)."""
    if not isinstance(parameters, dict):
        raise InputError(f"{func}: 'parameters' must be a dict with keys W1, b1, ..., WL, bL; "
                         f"got {type(parameters).__name__}.")
    L = num_layers(parameters)
    if L == 0:
        raise InputError(f"{func}: 'parameters' has no 'W1'; it must hold W1, b1, ..., WL, bL "
                         f"(keys: {sorted(parameters)}).")
    arrays = {"X": check_array(func, "X", X, finite=False)}  # the decorator already looked for NaN/inf in X
    spec = {"X": ("n[0]", "m")}
    for l in range(1, L + 1):
        if f"b{l}" not in parameters:
            raise InputError(f"{func}: 'parameters' has W{l} but no b{l}.")
        W_name, b_name = f"parameters['W{l}']", f"parameters['b{l}']"
        arrays[W_name] = check_array(func, W_name, parameters[f"W{l}"])
        arrays[b_name] = check_array(func, b_name, parameters[f"b{l}"])
        spec[W_name] = (f"n[{l}]", f"n[{l - 1}]")
        spec[b_name] = (f"n[{l}]", 1)
    if Y is not None:
        arrays["Y"] = check_array(func, "Y", Y)
        spec["Y"] = (f"n[{L}]", "m")
    check_shapes(func, arrays, spec)
    if isinstance(activations, str):
        raise InputError(f"{func}: 'activations' must be a list of {L} names, one per layer, e.g. "
                         f"{network_activations(L, 'relu', activations)!r}; got the string {activations!r}.")
    activations = list(activations)
    if len(activations) != L:
        raise InputError(f"{func}: 'activations' has {len(activations)} names but the network has L = {L} "
                         f"layers; give one per layer, e.g. {network_activations(L)!r}.")
    for name in activations:
        require_choice(func, "activation", name, tuple(ACTIVATIONS))
    return L, activations


def _check_forward(func, arguments):
    _check_network(func, arguments["X"], arguments["parameters"], arguments["activations"])


@validated(finite=("X",), check=_check_forward, X=("n[0]", "m"))
def forward(X, parameters, activations):
    """Forward propagation through L layers, eqs. (1)-(2); a loop over layers, vectorized over examples.

    X : ndarray, shape (n[0], m).  parameters : W1, b1, ..., WL, bL.  activations : L names.
    Returns AL : ndarray, shape (n[L], m), and caches : list of L layer caches ((A_prev, W, b), (Z, A)).
    """
    caches = []
    A = X
    for l, name in enumerate(activations, start=1):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], name)
        caches.append(cache)
    return A, caches


def _check_backward(func, arguments):
    caches = arguments["caches"]
    if not isinstance(caches, (list, tuple)) or not caches:
        raise InputError(f"{func}: 'caches' must be the non-empty list returned by forward().")
    AL, Y = arguments["AL"], arguments["Y"]
    check_shapes(func, {"AL": AL, "Y": Y}, {"AL": ("n[L]", "m"), "Y": ("n[L]", "m")})
    if len(arguments["activations"]) != len(caches):
        raise InputError(f"{func}: {len(arguments['activations'])} activations for {len(caches)} layer caches.")
    get_cost(arguments.get("cost", "binary"))


@validated(finite=("AL", "Y"), check=_check_backward, AL=("n[L]", "m"), Y=("n[L]", "m"))
def backward(AL, Y, caches, activations, cost="binary", fused=True):
    """Backward propagation through L layers, eqs. (3)-(6) and (22); seed convention.

    AL, Y : ndarray, shape (n[L], m).  caches : from ``forward``.  activations : the same L names.
    cost : 'binary', 'categorical' or 'multilabel'.
    fused : use ``dZ[L] = (AL - Y)/m`` (eq. 22) when the output activation matches the cost; otherwise (or with
    ``fused=False``) the seed dJ/dA[L] is chained through the output activation's backward.
    Returns grads : dict with dW1, db1, ..., dWL, dbL (each shaped like its parameter).
    """
    the_cost = get_cost(cost)
    L = len(caches)
    grads = {}
    if fused and activations[-1] == the_cost.output_activation:
        dZ = output_layer_dZ(AL, Y)
        linear_cache, _ = caches[-1]
        dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZ, linear_cache, L > 1)
    else:
        dA = the_cost.seed(AL, Y)
        dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = linear_activation_backward(dA, caches[-1], activations[-1],
                                                                               L > 1)
    for l in range(L - 1, 0, -1):
        # Layer 1's input is X, which needs no gradient: skip W1^T dZ1, the largest product of the pass.
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(dA_prev, caches[l - 1],
                                                                               activations[l - 1], l > 1)
    return grads


def _check_update(func, arguments):
    parameters, grads, learning_rate = arguments["parameters"], arguments["grads"], arguments["learning_rate"]
    if not isinstance(parameters, dict) or not isinstance(grads, dict):
        raise InputError(f"{func}: 'parameters' and 'grads' must be dicts (W1, b1, ... and dW1, db1, ...), got "
                         f"{type(parameters).__name__} and {type(grads).__name__}.")
    if not isinstance(learning_rate, (int, float, np.number)) or not np.isfinite(learning_rate) \
            or learning_rate <= 0:
        raise InputError(f"{func}: 'learning_rate' must be a positive number, got {learning_rate!r}.")
    for key, value in parameters.items():
        if f"d{key}" not in grads:
            raise InputError(f"{func}: 'grads' has no 'd{key}' for parameter '{key}'.")
        if np.shape(grads[f"d{key}"]) != np.shape(value):
            raise ShapeError(f"{func}: grads['d{key}'] has shape {np.shape(grads[f'd{key}'])} but "
                             f"parameters['{key}'] has shape {np.shape(value)}; they must match.")
        check_array(func, f"parameters['{key}']", value, ndim=None)
        check_array(func, f"grads['d{key}']", grads[f"d{key}"], ndim=None)


@validated(check=_check_update)
def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step, eq. (27): ``W[l] - learning_rate * dW[l]``, ``b[l] - learning_rate * db[l]``.

    parameters : dict of W[l] (n[l], n[l-1]) and b[l] (n[l], 1).  grads : dict of dW[l], db[l], same shapes.
    Returns a new dict; ``parameters`` is left unchanged.
    """
    return {key: value - learning_rate * grads[f"d{key}"] for key, value in parameters.items()}


def compute_cost(AL, Y, cost="binary", ZL=None):
    """The cost of the predictions; from the logits ``ZL`` (stable, eqs. 23-24) when they are given."""
    the_cost = get_cost(cost)
    return the_cost.from_logits(ZL, Y) if ZL is not None else the_cost.value(AL, Y)


def _check_train(func, arguments):
    dims = _check_layer_dims(func, arguments["layer_dims"])
    X = check_array(func, "X", arguments["X"])
    Y = check_array(func, "Y", arguments["Y"])
    check_shapes(func, {"X": X, "Y": Y}, {"X": (dims[0], "m"), "Y": (dims[-1], "m")})
    activations = arguments["activations"]
    if isinstance(activations, str) or len(activations) != len(dims) - 1:
        raise InputError(f"{func}: 'activations' must list {len(dims) - 1} names (one per weight layer), got "
                         f"{activations!r}.")
    for name in activations:
        require_choice(func, "activation", name, tuple(ACTIVATIONS))
    get_cost(arguments.get("cost", "binary"))
    rate = arguments.get("learning_rate", 0.1)
    if not np.isfinite(rate) or rate <= 0:
        raise InputError(f"{func}: 'learning_rate' must be a positive number, got {rate!r}.")


@validated(finite=("X", "Y"), check=_check_train, X=("n[0]", "m"), Y=("n[L]", "m"))
def train(X, Y, layer_dims, activations, cost="binary", learning_rate=0.1, num_iterations=1000, init="he",
          seed=0, print_every=None, parameters=None):
    """Batch gradient descent on the whole training set, eq. (27) each iteration; returns ``(parameters, costs)``.

    X : (n[0], m).  Y : (n[L], m).  layer_dims : [n[0], ..., n[L]].  activations : L names.
    cost : 'binary' | 'categorical' | 'multilabel'.  init : 'small' | 'he' | 'xavier'.
    print_every : print the cost every that many iterations (None: silent).
    parameters : start from these instead of a fresh initialization.
    costs : list of ``num_iterations`` floats, the cost before each update (computed from the logits).
    """
    if parameters is None:
        parameters = initialize_parameters(layer_dims, init, seed)
    the_cost = get_cost(cost)

    def cost_and_grads(parameters):
        AL, caches = forward(X, parameters, activations)
        ZL = caches[-1][1][0]
        value = the_cost.from_logits(ZL, Y) if activations[-1] == the_cost.output_activation else the_cost.value(AL, Y)
        return value, backward(AL, Y, caches, activations, cost)

    return gradient_descent(parameters, cost_and_grads, update_parameters, learning_rate, num_iterations, print_every)


def _check_predict(func, arguments):
    _check_network(func, arguments["X"], arguments["parameters"], arguments["activations"])


@validated(finite=("X",), check=_check_predict, X=("n[0]", "m"))
def predict(X, parameters, activations, threshold=0.5):
    """Predictions of a trained network, eq. (29) (X : (n[0], m)).

    Sigmoid output: ``(AL > threshold)`` as ints, shape (n[L], m) (binary or one 0/1 per label).
    Softmax output: the most probable class per column, shape (1, m).
    """
    AL, _ = forward(X, parameters, activations)
    if activations[-1] == "softmax":
        return np.argmax(AL, axis=0).reshape(1, -1)
    return (AL > threshold).astype(int)
