"""Batch gradient descent: eq. (27) repeated, the one training loop of the reference.

``nn_model`` (notebook 1), ``L_layer_model`` (notebook 2) and ``network.train`` (the network of notebooks 3 and 4)
differ only in their forward pass, cost and backward pass. Each hands those to ``gradient_descent`` as one function,
``cost_and_grads``, and gets the same loop, the same list of costs and the same printed lines. The mistake
catalogue builds its wrong training loops on it as well.
"""

from __future__ import annotations

__all__ = ["gradient_descent"]


def gradient_descent(parameters, cost_and_grads, update, learning_rate, num_iterations, print_every=None):
    """``num_iterations`` steps of eq. (27) from ``parameters``; returns the last parameters and ``costs``.

    cost_and_grads(parameters) -> (cost, grads): one forward pass, its cost and one backward pass, in that order.
    update(parameters, grads, learning_rate) -> the parameters after one step (the notebook's update_parameters).
    costs : list of ``num_iterations`` floats, each the cost of the parameters BEFORE that iteration's update, so
    ``costs[0]`` is the cost of the initial parameters.  print_every : print the cost at iterations 0,
    print_every, 2 print_every, ... (None: silent), as the notebooks' print_cost does.
    """
    costs = []
    for iteration in range(num_iterations):
        cost, grads = cost_and_grads(parameters)
        costs.append(cost)
        parameters = update(parameters, grads, learning_rate)
        if print_every and iteration % print_every == 0:
            print(f"iteration {iteration:6d}   cost {cost:.6f}")
    return parameters, costs
