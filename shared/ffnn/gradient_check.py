"""How far a gradient is from its numerical estimate: ``relative_error``, eq. (26), defined in notebook 3 and used
again in notebook 4 (and by the reference's own gradient checks, ``ffnn.reference.gradcheck``).

    relative_error(analytic, numeric)      # about 1e-10 for a correct float64 gradient; 1e-2 or more for a wrong one

Not a graded function: notebook 3 derives it and grades ``numerical_gradient``, the estimate it is compared with.
"""

from __future__ import annotations

import numpy as np

from .validation import ShapeError, check_array

__all__ = ["relative_error"]


def relative_error(a, b) -> float:
    """``||a - b|| / max(||a|| + ||b||, tiny)``, eq. (26), with the Euclidean norm over all entries; ``tiny`` (the
    smallest positive float64) only guards against dividing by zero when both are zero."""
    a = check_array("relative_error", "a", a, ndim=None).astype(float)
    b = check_array("relative_error", "b", b, ndim=None).astype(float)
    if a.shape != b.shape:
        raise ShapeError(f"relative_error: argument 'b' has shape {b.shape} but needs the shape of 'a', {a.shape}; "
                         f"compare a gradient with its own numerical estimate.")
    denominator = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(float).tiny)
    return float(np.linalg.norm(a - b) / denominator)
