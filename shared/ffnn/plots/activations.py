"""The plot of an activation: g(z), its derivative g'(z), and where the derivative saturates or is dead."""

from __future__ import annotations

import numpy as np

from .. import figure_text
from ..figure_text import describe
from ..validation import InputError, ShapeError, check_array, shape_text
from .style import PALETTE, _axes


def activation_plot(z, a, da_dz, *, name, ax=None, saturation_threshold=0.05, kink=None):
    """Plot an activation g(z) and its derivative g'(z), shading where the derivative almost vanishes.

    z : ndarray, shape (n,), increasing grid of pre-activations.
    a : ndarray, shape (n,), g(z).   da_dz : ndarray, shape (n,), g'(z).
    name : the activation's name, used as title.
    saturation_threshold : shade the tails of the z range where |g'(z)| < saturation_threshold: the runs of such
        z that reach an end of the grid, stopping short of z = 0 (5% of max |z|), where a small slope is a kink
        (ReLU) rather than saturation.
    kink : None, or the z where g has a kink and g'(z) jumps (0 for ReLU); ``z`` must contain it exactly.
        The derivative is then drawn as two pieces that are not joined: a filled marker at the value ``da_dz``
        takes at the kink (the convention of the backward step that computed it) and an open marker at each
        one-sided limit it does not take (read off the neighbouring grid points). A side of the kink where
        g'(z) is exactly 0 is shaded whole as "dead" (no gradient flows back), instead of as saturation.
    Returns the matplotlib Figure.
    """
    func = "activation_plot"
    z = check_array(func, "z", z, ndim=1).astype(float)
    a = check_array(func, "a", a, ndim=1).astype(float)
    da_dz = check_array(func, "da_dz", da_dz, ndim=1).astype(float)
    for arg, values in (("a", a), ("da_dz", da_dz)):
        if values.shape != z.shape:
            raise ShapeError(f"{func}: argument '{arg}' has shape {shape_text(values.shape)} but needs the shape of "
                             f"'z', {shape_text(z.shape)}: one value per grid point.")
    if z.size < 2 or np.any(np.diff(z) <= 0):
        raise InputError(f"{func}: 'z' must be an increasing grid of at least 2 points, e.g. "
                         f"np.linspace(-5, 5, 401).")
    if not np.isscalar(saturation_threshold) or not saturation_threshold > 0:
        raise InputError(f"{func}: 'saturation_threshold' must be a number > 0, got {saturation_threshold!r}.")
    if kink is not None:
        at_kink = np.flatnonzero(z == kink) if np.isscalar(kink) else np.array([], dtype=int)
        if at_kink.size != 1 or not 0 < at_kink[0] < z.size - 1:
            raise InputError(f"{func}: 'kink' must be a point of the grid 'z' other than its ends, got {kink!r}; "
                             f"e.g. np.linspace(-4, 4, 401) contains 0 exactly.")

    fig, ax = _axes(ax, (6.0, 4.0))
    ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
    ax.axvline(0.0, color="0.6", linewidth=0.8, zorder=0)
    ax.plot(z, a, color=PALETTE[0], linewidth=2.0, label="g(z)")
    derivative = dict(color=PALETTE[5], linewidth=2.0, linestyle="--")
    dead = np.zeros(z.shape, dtype=bool)
    if kink is None:
        ax.plot(z, da_dz, label="g'(z)", **derivative)
    else:
        k = int(at_kink[0])
        value, limits = da_dz[k], {"left": da_dz[k - 1], "right": da_dz[k + 1]}
        # Each piece runs up to the kink at its one-sided limit, so the jump shows as a gap, not a vertical line.
        ax.plot(np.append(z[:k], kink), np.append(da_dz[:k], limits["left"]), label="g'(z)", **derivative)
        ax.plot(np.insert(z[k + 1:], 0, kink), np.insert(da_dz[k + 1:], 0, limits["right"]), **derivative)
        ax.plot([kink], [value], linestyle="none", marker="o", markersize=7, color=PALETTE[5], zorder=4,
                label=f"g'({kink:g}) = {value:g}: the value used at the kink")
        for side, limit in limits.items():
            if not np.isclose(limit, value):
                ax.plot([kink], [limit], linestyle="none", marker="o", markersize=7, color=PALETTE[5],
                        markerfacecolor="white", zorder=4, label=f"{limit:g}: the limit from the {side}, not used")
        for side in (z <= kink, z >= kink):
            if np.all(da_dz[side & (z != kink)] == 0):
                dead |= side
        if dead.any():
            ax.fill_between(z, 0, 1, where=dead, transform=ax.get_xaxis_transform(), color="0.5", alpha=0.18,
                            hatch="//", edgecolor="0.6", linewidth=0, zorder=0,
                            label="dead: g'(z) = 0, no gradient flows back")
    flat = (np.abs(da_dz) < saturation_threshold) & (np.abs(z) > 0.05 * np.abs(z).max()) & ~dead
    # Saturation is the curve flattening out towards large |z|: keep only the flat runs that reach an end of the
    # grid, not a flat stretch in the middle (such as the slope of z**3 near 0).
    saturated = np.cumprod(flat).astype(bool) | np.cumprod(flat[::-1])[::-1].astype(bool)
    if saturated.any():
        ax.fill_between(z, 0, 1, where=saturated, transform=ax.get_xaxis_transform(), color="0.5", alpha=0.18,
                        linewidth=0, zorder=0, label=f"saturation (|g'(z)| < {saturation_threshold:g})")
    ax.set_xlim(z[0], z[-1])
    ax.set_xlabel("z")
    ax.set_ylabel("g(z) and g'(z)")
    ax.set_title(str(name))
    ax.legend(loc="best", framealpha=0.9, fontsize="small")
    describe(ax, figure_text.activation_text(z, a, da_dz, name, saturated, dead, saturation_threshold, kink,
                                             (figure_text.line_style(PALETTE[0], "-"),
                                              figure_text.line_style(PALETTE[5], "--"))))
    return fig
