"""What every notebook's catalogue of mistakes is built from: the ``Mistake`` entry, ``read_table`` (a notebook's
table of mistakes, a TOML file beside its module), and the few pieces that several catalogues' mistakes share (the
textbook sigmoid, the training loop and the prediction of notebooks 1 and 2 with a mistake switched on)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np

from ..descent import gradient_descent

__all__ = ["Mistake", "read_table", "textbook_sigmoid", "training_loop", "predicted_labels"]

ROW_KEYS = {"name", "message", "make", "with", "also"}


@dataclass(frozen=True)
class Mistake:
    """One typical mistake: a short ``name``, the ``message`` a student reads, and one or more ``variants`` (the
    same mistake written the ways students write it, e.g. with ``@`` or ``np.dot``, whose error messages differ)."""
    name: str
    message: str
    variants: tuple[Callable, ...]


def read_table(file_name: str, makers: dict) -> dict[str, list[Mistake]]:
    """A notebook's mistakes by graded function, from the TOML table ``file_name`` beside this module.

    Each row (``[[function]]``) gives the mistake's ``name``, the ``message`` a student reads, and how it is made:
    ``make`` names a function of ``makers`` (the catalogue module's globals), ``with`` its keyword options, and
    ``also`` a list of further option sets, the same mistake written other ways (one variant each). Rows keep the
    file's order."""
    path = Path(__file__).with_name(file_name)
    with path.open("rb") as file:
        table = tomllib.load(file)
    return {function: [_row(path, function, row, makers) for row in rows] for function, rows in table.items()}


def _row(path, function, row, makers):
    where = f"{path.name}, [[{function}]] {row.get('name', '(no name)')!r}"
    if not ROW_KEYS >= set(row) >= {"name", "message", "make"}:
        raise ValueError(f"{where}: a row has the keys name, message, make and optionally with and also; this one "
                         f"has {sorted(row)}")
    if row["make"] not in makers:
        raise ValueError(f"{where}: make = {row['make']!r} is not a function of the catalogue's module")
    make = makers[row["make"]]
    options = [row.get("with", {}), *row.get("also", [])]
    return Mistake(row["name"], row["message"], tuple(partial(make, **o) if o else make for o in options))


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
