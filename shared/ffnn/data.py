"""Data sets for the notebooks: offline, seeded, in the course's layout (one example per column).

- ``flower``: 2-D points on the petals of a rose curve; alternate petals are the two classes, so no straight
  line separates them.
- ``spirals``: k interleaved spiral arms, one class per arm.
- ``parity``: every n-bit string with its parity (XOR of the bits).
- ``digits``: the 8x8 handwritten digits that scikit-learn ships inside its package (1797 images, no download),
  as a binary, ten-class or multi-label task with a seeded, stratified train/test split.

Every function returns float arrays ``X`` of shape (n[0], m) and targets ``Y`` of shape (n[L], m).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .metrics import one_hot
from .validation import InputError, check_int, require_choice

__all__ = ["flower", "spirals", "parity", "digits", "Split", "DIGIT_LABELS"]


def flower(m: int = 400, petals: int = 6, noise: float = 0.15, radius: float = 4.0, seed: int = 0):
    """Points along the rose curve ``r = radius * |sin(petals/2 * θ)|``; consecutive petals alternate classes.

    m : number of points (split evenly over the petals).  petals : an even number >= 2.
    noise : standard deviation of the Gaussian jitter added to each coordinate.
    Returns X : ndarray (2, m) and Y : ndarray (1, m) of 0.0/1.0.
    """
    check_int("flower", "m", m, 2)
    if not isinstance(petals, (int, np.integer)) or petals < 2 or petals % 2:
        raise InputError(f"flower: 'petals' must be an even int >= 2 (classes alternate), got {petals!r}.")
    if noise < 0:
        raise InputError(f"flower: 'noise' must be >= 0, got {noise!r}.")
    rng = np.random.default_rng(seed)
    petal = np.arange(m) % petals
    # Each petal spans an angle of 2π/petals; sample within it, away from the tips where petals meet.
    width = 2 * np.pi / petals
    theta = (petal + rng.uniform(0.05, 0.95, m)) * width
    r = radius * np.abs(np.sin(theta * petals / 2)) * rng.uniform(0.3, 1.0, m)
    X = np.vstack([r * np.cos(theta), r * np.sin(theta)]) + rng.normal(0.0, noise, (2, m))
    Y = (petal % 2).astype(float).reshape(1, m)
    return X, Y


def spirals(m_per_class: int = 100, classes: int = 3, noise: float = 0.2, turns: float = 1.0, seed: int = 0):
    """``classes`` interleaved spiral arms in 2-D, one class per arm.

    Returns X : ndarray (2, classes * m_per_class) and labels : ndarray (1, classes * m_per_class) of ints
    0..classes-1 (use ``ffnn.metrics.one_hot`` for a softmax target).
    """
    check_int("spirals", "m_per_class", m_per_class)
    check_int("spirals", "classes", classes, 2)
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.05, 1.0, m_per_class), classes)
    label = np.repeat(np.arange(classes), m_per_class)
    theta = 2 * np.pi * (turns * r + label / classes) + rng.normal(0.0, noise, r.size)
    X = np.vstack([r * np.cos(theta), r * np.sin(theta)])
    return X, label.reshape(1, -1)


def parity(n_bits: int, signed: bool = False):
    """Every ``n_bits``-bit string and its parity: 1 when the number of ones is odd (an n-input XOR).

    Returns X : ndarray (n_bits, 2**n_bits) of 0/1 (or -1/+1 when ``signed``) and Y : ndarray (1, 2**n_bits).
    """
    check_int("parity", "n_bits", n_bits)
    if n_bits > 20:
        raise InputError(f"parity: 'n_bits' = {n_bits} would give 2**{n_bits} examples; use at most 20.")
    codes = np.arange(2 ** n_bits)
    X = ((codes[None, :] >> np.arange(n_bits)[:, None]) & 1).astype(float)
    Y = (X.sum(axis=0) % 2).reshape(1, -1)
    return (2 * X - 1 if signed else X), Y


#: Names of the multi-label view's rows.
DIGIT_LABELS = ("even", ">= 5", "prime")


@dataclass
class Split:
    """A train/test split. ``X_*``: (64, m) pixel intensities in [0, 1]; ``Y_*``: targets (n[L], m);
    ``digits_*``: the digit shown, (1, m) ints; ``names``: one name per row of Y."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    digits_train: np.ndarray
    digits_test: np.ndarray
    names: tuple = field(default_factory=tuple)

    @property
    def labels_train(self):
        """Integer class labels (1, m) of the training set (for the ten-class view: the digits)."""
        return np.argmax(self.Y_train, axis=0).reshape(1, -1) if self.Y_train.shape[0] > 1 else self.Y_train

    @property
    def labels_test(self):
        """Integer class labels (1, m) of the test set."""
        return np.argmax(self.Y_test, axis=0).reshape(1, -1) if self.Y_test.shape[0] > 1 else self.Y_test


def digits_file() -> Path:
    """The digits as scikit-learn ships them (``sklearn/datasets/data/digits.csv.gz``: one image per row, 64 pixel
    values 0-16 and the digit). Found without importing scikit-learn, whose import costs seconds: the file is
    read directly, so no network and no scikit-learn code is involved."""
    spec = importlib.util.find_spec("sklearn")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            return path
    raise InputError("digits: scikit-learn's copy of the digits (sklearn/datasets/data/digits.csv.gz) was not "
                     f"found{' in ' + ', '.join(locations) if locations else ' (scikit-learn is not installed)'}; "
                     "install the course's pins with `make env`.")


def _load_digit_images():
    table = np.loadtxt(digits_file(), delimiter=",", dtype=np.int64)
    return table[:, :-1].T / 16.0, table[:, -1].astype(int)


def digits(view: str = "multiclass", test_fraction: float = 0.25, positive=(0, 2, 4, 6, 8), seed: int = 0):
    """The handwritten digits (8x8 pixels, 1797 images) bundled with scikit-learn, split by class.

    view : 'binary' (1 when the digit is in ``positive``, default: even digits), 'multiclass' (one-hot over the
    ten digits) or 'multilabel' (three 0/1 rows: even, >= 5, prime).
    test_fraction : share of each digit's images kept for the test set.  seed : seeds the split.
    Returns a ``Split``: X_train (64, m_train) and X_test (64, m_test) with pixels scaled to [0, 1], one column
    per image; Y_train, Y_test of shape (1, m) for 'binary', (10, m) for 'multiclass', (3, m) for 'multilabel'.
    """
    require_choice("digits", "view", view, ("binary", "multiclass", "multilabel"))
    if not 0 < test_fraction < 1:
        raise InputError(f"digits: 'test_fraction' must be between 0 and 1, got {test_fraction!r}.")
    X, digit = _load_digit_images()
    rng = np.random.default_rng(seed)
    test = np.zeros(digit.size, dtype=bool)
    for d in range(10):
        members = np.flatnonzero(digit == d)
        chosen = rng.choice(members, size=int(round(test_fraction * members.size)), replace=False)
        test[chosen] = True
    if view == "binary":
        Y, names = np.isin(digit, positive).astype(float).reshape(1, -1), (f"digit in {tuple(positive)}",)
    elif view == "multiclass":
        Y, names = one_hot(digit, 10), tuple(str(d) for d in range(10))
    else:
        Y = np.vstack([digit % 2 == 0, digit >= 5, np.isin(digit, (2, 3, 5, 7))]).astype(float)
        names = DIGIT_LABELS
    train = ~test
    return Split(X[:, train], Y[:, train], X[:, test], Y[:, test], digit[train].reshape(1, -1),
                 digit[test].reshape(1, -1), names)
