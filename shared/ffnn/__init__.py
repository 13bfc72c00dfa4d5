"""Feedforward Neural Networks in Depth: the student-facing course package.

- ``ffnn.data``: offline, seeded data sets (flower, spirals, parity, handwritten digits).
- ``ffnn.plots``: decision boundaries, loss curves, network diagrams, activations, heat maps.
- ``ffnn.check``: the checker behind every visible test; it names known mistakes (``ffnn.compare`` compares one
  output, ``ffnn.replay`` replays collaborators, ``ffnn.vectorization`` judges loops; ``ffnn.encoding``: JSON).
- ``ffnn.validation``: the input checks every public function uses.
- ``ffnn.provided``: answers of earlier notebooks that later ones build on (activations, the network), each
  module shipped only from the notebook its ``SHIPPED_FROM`` names on.

The reference solutions live in ``ffnn.reference``, which this package never imports, so a student release can
ship without it. Notation and numbered equations: ``shared/NOTATION.md``.
"""

__version__ = "0.1.0"
