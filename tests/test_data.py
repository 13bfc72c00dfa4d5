"""The data sets: shapes, seeds, offline availability, and the tasks they pose."""

import numpy as np
import pytest

from ffnn import data
from ffnn.metrics import confusion_matrix, labels_of, one_hot, per_label_accuracy
from ffnn.validation import InputError


def test_flower_shapes_balance_and_seed():
    X, Y = data.flower(m=200, seed=1)
    assert X.shape == (2, 200) and Y.shape == (1, 200)
    assert set(np.unique(Y)) == {0.0, 1.0} and Y.mean() == 0.5
    X2, Y2 = data.flower(m=200, seed=1)
    np.testing.assert_array_equal(X, X2)
    assert not np.array_equal(X, data.flower(m=200, seed=2)[0])


def test_flower_is_not_linearly_separable():
    """The best straight line through the origin region stays far from separating the petals."""
    X, Y = data.flower(m=400, seed=0)
    from ffnn.reference import network
    parameters, _ = network.train(X, Y, [2, 1], ["sigmoid"], learning_rate=0.5, num_iterations=1000)
    accuracy = np.mean(network.predict(X, parameters, ["sigmoid"]) == Y)
    assert accuracy < 0.7


def test_spirals_and_parity():
    X, labels = data.spirals(m_per_class=50, classes=4, seed=0)
    assert X.shape == (2, 200) and labels.shape == (1, 200) and set(np.unique(labels)) == {0, 1, 2, 3}
    X, Y = data.parity(4)
    assert X.shape == (4, 16) and Y.shape == (1, 16)
    np.testing.assert_array_equal(Y[0], X.sum(axis=0) % 2)
    Xs, _ = data.parity(3, signed=True)
    assert set(np.unique(Xs)) == {-1.0, 1.0}


@pytest.mark.parametrize("view,rows", [("binary", 1), ("multiclass", 10), ("multilabel", 3)])
def test_digits_views(view, rows):
    split = data.digits(view, seed=0)
    assert split.X_train.shape[0] == 64 and split.Y_train.shape[0] == rows
    assert split.X_train.shape[1] + split.X_test.shape[1] == 1797
    assert 0.0 <= split.X_train.min() and split.X_train.max() <= 1.0
    assert len(split.names) == rows
    # every digit is in both parts (stratified)
    assert set(np.unique(split.digits_test)) == set(range(10))


def test_digits_labels_mean_what_they_say():
    split = data.digits("multilabel", seed=3)
    d = split.digits_train[0]
    np.testing.assert_array_equal(split.Y_train[0], d % 2 == 0)
    np.testing.assert_array_equal(split.Y_train[1], d >= 5)
    np.testing.assert_array_equal(split.Y_train[2], np.isin(d, [2, 3, 5, 7]))
    multi = data.digits("multiclass", seed=3)
    np.testing.assert_array_equal(multi.labels_train, multi.digits_train)


def test_digits_are_read_offline(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert data.digits("binary").X_train.size > 0


def test_digits_are_scikit_learns_without_importing_it():
    """The pixels and digits read from scikit-learn's file are exactly what its load_digits returns, and reading
    them imports no scikit-learn module (a fresh interpreter; its import costs seconds in every notebook)."""
    import subprocess
    import sys

    from sklearn.datasets import load_digits
    X, digit = data._load_digit_images()
    bunch = load_digits()
    np.testing.assert_array_equal(X, bunch.data.T / 16.0)
    np.testing.assert_array_equal(digit, bunch.target)
    code = ("import sys; from ffnn import data; data.digits('binary'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]", shown


def test_metrics():
    Y = one_hot([2, 0, 1], 3)
    np.testing.assert_array_equal(Y, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(labels_of(Y), [[2, 0, 1]])
    C = confusion_matrix([[0, 1, 1, 2]], [[0, 1, 2, 2]], 3)
    np.testing.assert_array_equal(C, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(per_label_accuracy([[1, 0], [1, 1]], [[1, 1], [1, 1]]), [0.5, 1.0])


def test_bad_arguments():
    with pytest.raises(InputError, match="'petals' must be an even int"):
        data.flower(petals=3)
    with pytest.raises(InputError, match="unknown view 'binry'"):
        data.digits("binry")
    with pytest.raises(InputError, match=r"integers in \[0, 2\]"):
        one_hot([0, 3], 3)
