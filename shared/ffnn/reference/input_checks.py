"""The input checks of the reference's network functions: what they refuse, and the message that says how to fix it.

The functions of notebooks 1 and 2 (``two_layer``, ``deep``), of one layer (``layers``) and of the L-layer network
(``network``) take structured arguments: a parameters dict, a cache, a list of layer sizes, one activation name per
layer, a cost's name. The checks of those are here, in one place, built on the primitives of ``ffnn.validation``
(``check_array``, ``check_shapes``, ``check_int``, ``require_choice``), and named where they are used, most as the
``check=`` of ``ffnn.validation.validated`` (which also checks the arrays' shapes, NaN and inf). Functions of plain
arrays (the activations, the costs, the gradient check) need only those primitives and call them in place.
"""

from __future__ import annotations

import numpy as np

from ..validation import InputError, ShapeError, check_array, check_shapes, require_choice
from .activations import ACTIVATIONS
from .costs import get_cost


# Notebook 1 (ffnn.reference.two_layer) ---------------------------------------------------------------------------

TWO_LAYER_SHAPES = {"W1": ("n_h", "n_x"), "b1": ("n_h", 1), "W2": ("n_y", "n_h"), "b2": ("n_y", 1)}


def check_two_layer_parameters(func, parameters, X=None, Y=None):
    if not isinstance(parameters, dict) or not set(TWO_LAYER_SHAPES) <= set(parameters):
        raise InputError(f"{func}: 'parameters' must be a dict with keys W1, b1, W2, b2; got "
                         f"{sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__}.")
    arrays = {k: check_array(func, f"parameters['{k}']", parameters[k]) for k in TWO_LAYER_SHAPES}
    spec = dict(TWO_LAYER_SHAPES)
    if X is not None:
        arrays["X"], spec["X"] = check_array(func, "X", X), ("n_x", "m")
    if Y is not None:
        arrays["Y"], spec["Y"] = check_array(func, "Y", Y), ("n_y", "m")
    check_shapes(func, arrays, spec)


def backward_propagation_arguments(func, arguments):
    check_two_layer_parameters(func, arguments["parameters"], arguments["X"], arguments["Y"])
    caches = arguments["caches"]
    try:
        ((_, _, _), (_, _)), ((_, _, _), (_, _)) = caches
    except (TypeError, ValueError):
        raise InputError(f"{func}: 'caches' must be what forward_propagation returns, one cache per layer: "
                         "[((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))].") from None


# Notebook 2 (ffnn.reference.deep) --------------------------------------------------------------------------------

def check_scale(func, scale):
    """initialize_parameters_deep's ``scale``: 'he' or a positive standard deviation."""
    if scale != "he" and (isinstance(scale, str) or not np.isfinite(scale) or scale <= 0):
        raise InputError(f"{func}: 'scale' must be 'he' or a positive number, got {scale!r}.")


def check_notebook2_activation(func, activation):
    if activation not in ("relu", "sigmoid"):
        raise InputError(f"{func}: 'activation' must be 'relu' or 'sigmoid' in this notebook, got {activation!r}.")


def L_model_backward_arguments(func, arguments):
    caches = arguments["caches"]
    if not isinstance(caches, (list, tuple)) or not caches:
        raise InputError(f"{func}: 'caches' must be the non-empty list of layer caches returned by L_model_forward, "
                         f"got {type(caches).__name__}{'' if caches else ' (empty)'}.")
    AL = arguments["AL"]
    try:
        _, (_, A_last) = caches[-1]
        last_shape = np.shape(A_last)
    except (TypeError, ValueError):
        raise InputError(f"{func}: 'caches' must hold ((A_prev, W, b), (Z, A)) per layer, as L_model_forward "
                         f"returns them.") from None
    if last_shape != AL.shape:
        raise ShapeError(f"{func}: argument 'AL' has shape {AL.shape} but the last layer's cache holds A of shape "
                         f"{last_shape}; pass the AL and caches of the same L_model_forward call.")
    if AL.size and (AL.min() <= 0 or AL.max() >= 1):
        raise InputError(f"{func}: argument 'AL' must lie strictly between 0 and 1 (a sigmoid output); the seed "
                         f"-(Y/AL) + (1-Y)/(1-AL) divides by AL and 1 - AL.")


# One layer (ffnn.reference.layers) -------------------------------------------------------------------------------

def linear_backward_arguments(func, arguments):
    dZ, cache = arguments["dZ"], arguments["cache"]
    try:
        A_prev, W, b = cache
    except (TypeError, ValueError):
        raise ShapeError(f"{func}: 'cache' must be the tuple (A_prev, W, b) returned by linear_forward, got "
                         f"{type(cache).__name__}.") from None
    arrays = {"dZ": check_array(func, "dZ", dZ), "A_prev": check_array(func, "cache[0] (A_prev)", A_prev),
              "W": check_array(func, "cache[1] (W)", W), "b": check_array(func, "cache[2] (b)", b)}
    check_shapes(func, arrays, {"W": ("n[l]", "n[l-1]"), "b": ("n[l]", 1), "A_prev": ("n[l-1]", "m"),
                                "dZ": ("n[l]", "m")})


# L-layer networks (ffnn.reference.network) -----------------------------------------------------------------------

def checked_layer_dims(func, layer_dims):
    dims = list(layer_dims) if isinstance(layer_dims, (list, tuple, np.ndarray)) else None
    if not dims or len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in dims):
        raise InputError(f"{func}: 'layer_dims' must be a list of at least two positive ints [n[0], ..., n[L]], "
                         f"got {layer_dims!r}.")
    return [int(n) for n in dims]


def network_arguments(func, X, parameters, activations):
    """Check parameters against each other and X, and one activation name per layer."""
    # imported when called: network.py imports this module, and both are loaded by then
    from .network import network_activations, num_layers
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


def forward_arguments(func, arguments):
    """network.forward's and network.predict's arguments."""
    network_arguments(func, arguments["X"], arguments["parameters"], arguments["activations"])


def backward_arguments(func, arguments):
    caches = arguments["caches"]
    if not isinstance(caches, (list, tuple)) or not caches:
        raise InputError(f"{func}: 'caches' must be the non-empty list returned by forward().")
    AL, Y = arguments["AL"], arguments["Y"]
    check_shapes(func, {"AL": AL, "Y": Y}, {"AL": ("n[L]", "m"), "Y": ("n[L]", "m")})
    if len(arguments["activations"]) != len(caches):
        raise InputError(f"{func}: {len(arguments['activations'])} activations for {len(caches)} layer caches.")
    get_cost(arguments.get("cost", "binary"))


def update_arguments(func, arguments):
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


def train_arguments(func, arguments):
    dims = checked_layer_dims(func, arguments["layer_dims"])
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
