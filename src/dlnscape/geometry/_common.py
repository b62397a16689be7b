"""Shared helpers of :mod:`dlnscape.geometry`: points given without an architecture, products."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlnscape.architecture import Architecture, Point, as_float_matrix, check_point
from dlnscape.errors import PointError
from dlnscape.linalg import RankDecision, default_rtol
from dlnscape.validate import check_products_finite


def point_and_arch(
    theta: Sequence[np.ndarray], arch: Architecture | None = None, name: str = "theta"
) -> tuple[Point, Architecture]:
    """Validate ``theta = (W_1, …, W_h)`` and infer its architecture from the shapes."""
    if isinstance(theta, np.ndarray) and theta.ndim == 1:
        raise PointError(
            f"{name}: expected a tuple of matrices (W_1, ..., W_h); got a flat vector "
            f"— use dlnscape.unpack(arch, vector) first"
        )
    if arch is None:
        try:
            layers = [as_float_matrix(W, f"{name}[{i}] (W_{i + 1})") for i, W in enumerate(theta)]
        except TypeError:
            raise PointError(
                f"{name}: expected a tuple of matrices (W_1, ..., W_h), got {type(theta).__name__}"
            ) from None
        if not layers:
            raise PointError(f"{name}: expected at least one layer, got none")
        widths = [layers[0].shape[1]]
        for i, W in enumerate(layers, start=1):
            if W.shape[1] != widths[-1]:
                raise PointError(
                    f"{name}[{i - 1}] (W_{i}): expected {widths[-1]} columns to match "
                    f"W_{i - 1} (which has {widths[-1]} rows), got shape {W.shape}"
                )
            widths.append(W.shape[0])
        if min(widths) == 0:
            raise PointError(f"{name}: every width must be positive, got widths {widths}")
        arch = Architecture(widths)
    theta = check_point(arch, theta, name)
    # every geometry function takes SVDs of products of the layers: refuse a point whose
    # products overflow float64 here, with the argument's name, not deep inside numpy
    check_products_finite(theta, name)
    return theta, arch


#: computed bases pass through a few SVDs; their errors add up to some ulps per entry
SUBSPACE_SAFETY = 100.0


def subspace_rtol(decisions: Sequence[RankDecision], shape: tuple[int, ...],
                  rtol: float | None = None) -> float:
    """Relative cut for decisions on *computed subspaces* (intersections, containments).

    A column or row space computed from a matrix of numerical rank k is accurate to about
    ``eps · σ_1/σ_k`` (Wedin's sin Θ theorem), so the policy's relative cut is scaled by the
    largest such condition number among the matrices the subspaces come from, times
    ``SUBSPACE_SAFETY`` for the few SVDs each basis goes through.
    """
    kappa = 1.0
    for d in decisions:
        if d.rank > 0 and d.singular_values.size:
            kappa = max(kappa, float(d.singular_values[0] / d.singular_values[d.rank - 1]))
    return (default_rtol(shape) if rtol is None else rtol) * kappa * SUBSPACE_SAFETY
