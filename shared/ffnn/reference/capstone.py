"""Notebook 5, the capstone: check a whole network's gradient and train it well.

The graded functions, in the notebook's order:

- ``parameters_to_vector`` / ``vector_to_parameters``: every parameter in one column vector theta and back
  (W1, b1, ..., WL, bL, each read row by row), so that one loop perturbs the whole network.
- ``gradient_check``: centred differences of a scalar cost of the parameters (eq. 25 for one entry of theta at a
  time), the relative error (eq. 26) per parameter and over the whole vector.
- ``random_mini_batches``: one shuffle of the m columns (X and Y together), cut into mini-batches; the last one
  holds what is left.
- ``minibatch_epoch``: one pass of gradient-descent updates (eq. 27), one per mini-batch.
- ``l2_cost`` / ``l2_backward``: the L2 penalty (λ / 2m) Σ_l ||W[l]||²_F and its gradient (λ / m) W[l] added to
  dW[l] (the biases are not penalized).
- ``choose_hyperparameters``: the setting of a grid with the best validation accuracy.
"""

from __future__ import annotations

import numpy as np

from ..gradient_check import relative_error
from ..validation import InputError, ShapeError, check_array, check_int
from .gradcheck import parameter_gradients
from .input_checks import checked_layer_dims, update_arguments

__all__ = ["parameters_to_vector", "vector_to_parameters", "gradient_check", "random_mini_batches",
           "minibatch_epoch", "l2_cost", "l2_backward", "choose_hyperparameters", "layer_keys"]


def layer_keys(parameters) -> list[str]:
    """The keys W1, b1, ..., WL, bL of ``parameters`` in theta's order; refuses a dict with any other keys."""
    if not isinstance(parameters, dict) or "W1" not in parameters:
        found = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise InputError(f"'parameters' must be a dict with keys W1, b1, ..., WL, bL; got {found}.")
    keys, l = [], 1
    while f"W{l}" in parameters:
        keys += [f"W{l}", f"b{l}"]
        l += 1
    if set(keys) != set(parameters):
        raise InputError(f"'parameters' must hold W1, b1, ..., WL, bL and nothing else; got {sorted(parameters)}.")
    return keys


def parameters_to_vector(parameters):
    """All parameters in one column vector: W1, b1, W2, b2, ..., WL, bL, each read row by row (NumPy's order).

    parameters : dict of W[l] (n[l], n[l-1]) and b[l] (n[l], 1).
    Returns theta : ndarray, shape (P, 1) with P = Σ_l n[l] (n[l-1] + 1).
    """
    keys = layer_keys(parameters)
    return np.concatenate([check_array("parameters_to_vector", f"parameters['{k}']", parameters[k]).reshape(-1, 1)
                           for k in keys])


def vector_to_parameters(theta, layer_dims):
    """The inverse of ``parameters_to_vector`` for a network of sizes ``layer_dims = [n[0], ..., n[L]]``.

    theta : ndarray, shape (P, 1).  Returns parameters : dict of W[l] (n[l], n[l-1]) and b[l] (n[l], 1), new arrays.
    """
    dims = checked_layer_dims("vector_to_parameters", layer_dims)
    theta = check_array("vector_to_parameters", "theta", theta)
    size = sum(dims[l] * (dims[l - 1] + 1) for l in range(1, len(dims)))
    if theta.shape != (size, 1):
        raise ShapeError(f"vector_to_parameters: 'theta' has shape {theta.shape} but layer_dims {dims} needs "
                         f"({size}, 1), one entry per weight and bias.")
    parameters, start = {}, 0
    for l in range(1, len(dims)):
        for key, shape in ((f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1))):
            count = shape[0] * shape[1]
            parameters[key] = theta[start:start + count].reshape(shape).copy()
            start += count
    return parameters


def gradient_check(cost_of, parameters, grads, eps=1e-7):
    """Compare ``grads`` with centred differences of ``cost_of`` at ``parameters``, eqs. (25)-(26).

    cost_of : function of a parameters dict returning the cost J, a float.  parameters : W1, b1, ..., WL, bL.
    grads : dW1, db1, ..., dWL, dbL, shaped like the parameters.  eps : the step of the centred difference.
    Each entry θ_i is moved to θ_i ± eps, the others kept: dθ_i ≈ (J(θ + eps e_i) − J(θ − eps e_i)) / (2 eps).
    Returns ``(errors, overall)``: errors, a dict {"dW1": relative error of dW1, ...}; overall, the relative
    error of all gradients as one vector. Every computation in float64: a float32 network cannot be checked.
    """
    if not callable(cost_of):
        raise InputError(f"gradient_check: 'cost_of' must be a function of the parameters, got "
                         f"{type(cost_of).__name__}.")
    keys = layer_keys(parameters)
    if not isinstance(grads, dict):
        raise InputError(f"gradient_check: 'grads' must be a dict dW1, db1, ...; got {type(grads).__name__}.")
    update_arguments("gradient_check", {"parameters": parameters, "grads": grads, "learning_rate": 1.0})
    if not (isinstance(eps, (int, float, np.floating)) and eps > 0):
        raise InputError(f"gradient_check: 'eps' must be a positive number, got {eps!r}.")
    probe = {k: np.array(parameters[k], dtype=np.float64) for k in keys}
    numerical = parameter_gradients(cost_of, probe, eps)  # eq. (25), one entry at a time
    errors = {f"d{k}": relative_error(grads[f"d{k}"], numerical[f"d{k}"]) for k in keys}
    analytic_all = np.concatenate([np.ravel(grads[f"d{k}"]) for k in keys])
    numerical_all = np.concatenate([np.ravel(numerical[f"d{k}"]) for k in keys])
    return errors, relative_error(analytic_all, numerical_all)


def random_mini_batches(X, Y, batch_size, seed):
    """One shuffle of the examples, then mini-batches of ``batch_size`` columns; the last one holds the rest.

    X : (n[0], m).  Y : (n[L], m).  The shuffle is ``np.random.default_rng(seed).permutation(m)``, applied to the
    columns of X and of Y alike, so that every example keeps its label.
    Returns a list of ceil(m / batch_size) pairs (X_batch, Y_batch) of shapes (n[0], k) and (n[L], k).
    """
    X = check_array("random_mini_batches", "X", X)
    Y = check_array("random_mini_batches", "Y", Y)
    if X.shape[1] != Y.shape[1]:
        raise ShapeError(f"random_mini_batches: X has {X.shape[1]} examples (columns) but Y has {Y.shape[1]}; "
                         f"they must be the same examples.")
    check_int("random_mini_batches", "batch_size", batch_size)
    order = np.random.default_rng(seed).permutation(X.shape[1])
    X_shuffled, Y_shuffled = X[:, order], Y[:, order]
    return [(X_shuffled[:, k:k + batch_size], Y_shuffled[:, k:k + batch_size])
            for k in range(0, X.shape[1], batch_size)]


def minibatch_epoch(parameters, mini_batches, cost_and_grads, learning_rate):
    """One epoch: for each mini-batch in turn, its cost and gradients at the current parameters, then one update.

    parameters : W1, b1, ...  mini_batches : list of (X_batch, Y_batch).  cost_and_grads : function of
    (parameters, X_batch, Y_batch) returning (cost, grads).  learning_rate : α of eq. (27).
    Returns ``(parameters, costs)``: the parameters after the last update (new arrays; the given dict is not
    changed) and the list of the mini-batches' costs, each before its own update.
    """
    if not callable(cost_and_grads):
        raise InputError(f"minibatch_epoch: 'cost_and_grads' must be a function, got "
                         f"{type(cost_and_grads).__name__}.")
    if not isinstance(mini_batches, (list, tuple)) or not mini_batches:
        raise InputError("minibatch_epoch: 'mini_batches' must be a non-empty list of (X_batch, Y_batch) pairs, "
                         "as random_mini_batches returns.")
    costs = []
    for X_batch, Y_batch in mini_batches:
        cost, grads = cost_and_grads(parameters, X_batch, Y_batch)
        update_arguments("minibatch_epoch", {"parameters": parameters, "grads": grads,
                                             "learning_rate": learning_rate})
        parameters = {key: value - learning_rate * grads[f"d{key}"] for key, value in parameters.items()}
        costs.append(float(cost))
    return parameters, costs


def _l2_arguments(func, parameters, lambd, m):
    layer_keys(parameters)
    if not (isinstance(lambd, (int, float, np.number)) and np.isfinite(lambd) and lambd >= 0):
        raise InputError(f"{func}: 'lambd' must be a number >= 0, got {lambd!r}.")
    check_int(func, "m", m)


def l2_cost(parameters, lambd, m):
    """The L2 penalty added to the cost: (λ / 2m) Σ_l ||W[l]||²_F, the sum of every weight squared; no biases.

    parameters : W1, b1, ..., WL, bL.  lambd : λ >= 0.  m : the number of examples the cost averages over.
    Returns a Python float.
    """
    _l2_arguments("l2_cost", parameters, lambd, m)
    L = len(parameters) // 2
    return float(lambd / (2 * m) * sum(np.sum(np.square(parameters[f"W{l}"])) for l in range(1, L + 1)))


def l2_backward(grads, parameters, lambd, m):
    """The gradients of the regularized cost: dW[l] + (λ / m) W[l] for every layer; db[l] unchanged.

    grads : dW1, db1, ... of the unregularized cost.  parameters : W1, b1, ...  lambd : λ.  m : examples.
    Returns a new dict (``grads`` is not changed).
    """
    _l2_arguments("l2_backward", parameters, lambd, m)
    update_arguments("l2_backward", {"parameters": parameters, "grads": grads, "learning_rate": 1.0})
    regularized = dict(grads)
    for key in parameters:
        if key.startswith("W"):
            regularized[f"d{key}"] = grads[f"d{key}"] + (lambd / m) * parameters[key]
    return regularized


def choose_hyperparameters(accuracy, learning_rates, hidden_sizes):
    """The (learning_rate, n_h) with the highest validation accuracy; the first such in row order on a tie.

    accuracy : dict with "train" and "validation", each an ndarray of shape (len(learning_rates),
    len(hidden_sizes)): entry [i, j] is the accuracy of learning_rates[i] with hidden_sizes[j].
    Returns ``(learning_rate, n_h)``. The test set plays no part: it is used once, on the chosen setting.
    """
    if not isinstance(accuracy, dict) or "validation" not in accuracy:
        raise InputError("choose_hyperparameters: 'accuracy' must be a dict with a 'validation' grid (and a "
                         "'train' one).")
    grid = check_array("choose_hyperparameters", "accuracy['validation']", accuracy["validation"])
    if grid.shape != (len(learning_rates), len(hidden_sizes)):
        raise ShapeError(f"choose_hyperparameters: accuracy['validation'] has shape {grid.shape} but needs "
                         f"({len(learning_rates)}, {len(hidden_sizes)}): one row per learning rate, one column "
                         f"per hidden size.")
    i, j = np.unravel_index(np.argmax(grid), grid.shape)
    return learning_rates[int(i)], hidden_sizes[int(j)]
