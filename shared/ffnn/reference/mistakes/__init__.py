"""The catalogue of known mistakes: for each graded function, functions that make one typical mistake each.

The fixture writer runs every mistake on the same inputs as the correct function and stores what it returns (or
the error it raises), so the student-facing checker can say "Likely mistake: forgot the 1/m factor" when a
student's output matches; the grader's verdict names them the same way. The tests feed each mistake to the checker
and to the hidden tests and require that it is named.

One catalogue per notebook, one file each, every table after the small functions that make its mistakes:
``two_layer.py`` (notebook 1), ``deep.py`` (notebook 2), ``activations.py`` (notebook 3), ``costs.py``
(notebook 4), ``capstone.py`` (notebook 5); ``common.py`` holds the ``Mistake`` entry and what several catalogues
share.
"""

from __future__ import annotations

from .activations import ACTIVATIONS_MISTAKES
from .capstone import CAPSTONE_MISTAKES
from .common import Mistake
from .costs import COSTS_MISTAKES
from .deep import DEEP_MISTAKES
from .two_layer import TWO_LAYER_MISTAKES

__all__ = ["Mistake", "CATALOGUE", "mistakes_for", "TWO_LAYER_MISTAKES", "DEEP_MISTAKES", "ACTIVATIONS_MISTAKES",
           "COSTS_MISTAKES", "CAPSTONE_MISTAKES"]

CATALOGUE = {"two_layer": TWO_LAYER_MISTAKES, "deep": DEEP_MISTAKES, "activations": ACTIVATIONS_MISTAKES,
             "costs": COSTS_MISTAKES, "capstone": CAPSTONE_MISTAKES}


def mistakes_for(suite: str, function: str) -> list[Mistake]:
    """The catalogued mistakes of one graded function (an empty list when none are catalogued)."""
    return CATALOGUE.get(suite, {}).get(function, [])
