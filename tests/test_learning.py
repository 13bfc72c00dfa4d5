"""Learning floors, seeded: the reference really learns the course's tasks, in seconds."""

import numpy as np

from ffnn import data
from ffnn.metrics import accuracy, per_label_accuracy
from ffnn.reference import deep, network, two_layer


def test_two_layer_network_learns_the_flower():
    X, Y = data.flower(m=400, seed=0)
    parameters, costs = two_layer.nn_model(X, Y, n_h=4, num_iterations=5000, learning_rate=1.2, seed=0)
    assert accuracy(two_layer.predict(parameters, X), Y) >= 0.88
    assert len(costs) == 5000 and np.all(np.isfinite(costs))
    assert costs[-1] < 0.25 * costs[0]


def test_softmax_network_learns_the_digits():
    split = data.digits("multiclass", seed=0)
    activations = ["relu", "softmax"]
    parameters, costs = network.train(split.X_train, split.Y_train, [64, 64, 10], activations, "categorical",
                                      learning_rate=0.5, num_iterations=1000, seed=0)
    assert accuracy(network.predict(split.X_test, parameters, activations), split.labels_test) >= 0.95


def test_deep_network_learns_a_binary_digit_task():
    split = data.digits("binary", seed=0)
    parameters, costs = deep.L_layer_model(split.X_train, split.Y_train, [64, 32, 16, 1], learning_rate=0.1,
                                           num_iterations=1500, seed=0)
    assert accuracy(deep.predict(parameters, split.X_test), split.Y_test) >= 0.9


def test_multilabel_network_learns_digit_properties():
    split = data.digits("multilabel", seed=0)
    activations = ["relu", "sigmoid"]
    parameters, _ = network.train(split.X_train, split.Y_train, [64, 64, 3], activations, "multilabel",
                                  learning_rate=0.5, num_iterations=1000, seed=0)
    assert np.all(per_label_accuracy(network.predict(split.X_test, parameters, activations), split.Y_test) >= 0.9)
