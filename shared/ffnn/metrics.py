"""Scores of predictions: accuracy, per-label accuracy, confusion matrix, one-hot encoding."""

from __future__ import annotations

import numpy as np

from .validation import InputError, ShapeError, check_array

__all__ = ["accuracy", "per_label_accuracy", "confusion_matrix", "one_hot", "labels_of"]


def accuracy(Y_pred, Y) -> float:
    """Fraction of entries where ``Y_pred`` equals ``Y`` (same shape), as a float in [0, 1]."""
    Y_pred = check_array("accuracy", "Y_pred", Y_pred, ndim=None)
    Y = check_array("accuracy", "Y", Y, ndim=None)
    if Y_pred.shape != Y.shape:
        raise ShapeError(f"accuracy: 'Y_pred' has shape {Y_pred.shape} but 'Y' has shape {Y.shape}; compare "
                         f"labels with labels (for one-hot Y use ffnn.metrics.labels_of(Y)).")
    return float(np.mean(Y_pred == Y))


def per_label_accuracy(Y_pred, Y) -> np.ndarray:
    """Accuracy of each row (label) separately: ndarray of shape (n[L],) for 0/1 arrays of shape (n[L], m)."""
    Y_pred = check_array("per_label_accuracy", "Y_pred", Y_pred, ndim=None)
    Y = check_array("per_label_accuracy", "Y", Y, ndim=None)
    if Y_pred.shape != Y.shape or Y.ndim != 2:
        raise ShapeError(f"per_label_accuracy: 'Y_pred' {Y_pred.shape} and 'Y' {Y.shape} must be 2-D and equal.")
    return np.mean(Y_pred == Y, axis=1)


def one_hot(labels, n_classes: int) -> np.ndarray:
    """Integer labels, shape (1, m) or (m,), to a one-hot matrix of shape (n_classes, m) (one column each)."""
    labels = check_array("one_hot", "labels", labels, ndim=None).reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes or not np.all(labels == np.round(labels))):
        raise InputError(f"one_hot: 'labels' must be integers in [0, {n_classes - 1}], got values from "
                         f"{labels.min()} to {labels.max()}.")
    Y = np.zeros((n_classes, labels.size))
    Y[labels.astype(int), np.arange(labels.size)] = 1.0
    return Y


def labels_of(Y) -> np.ndarray:
    """One-hot (or probability) columns of shape (k, m) to integer labels of shape (1, m)."""
    Y = check_array("labels_of", "Y", Y)
    return np.argmax(Y, axis=0).reshape(1, -1)


def confusion_matrix(labels_true, labels_pred, n_classes: int) -> np.ndarray:
    """Counts C[i, j] of examples of true class i predicted as class j: ndarray (n_classes, n_classes) of ints."""
    t = np.asarray(labels_true).reshape(-1).astype(int)
    p = np.asarray(labels_pred).reshape(-1).astype(int)
    if t.shape != p.shape:
        raise ShapeError(f"confusion_matrix: {t.size} true labels but {p.size} predictions.")
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (t, p), 1)
    return C
