"""Shared fixtures of the test suite."""

import os

import numpy as np
import pytest

# Plots are rendered off-screen in tests.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
