"""All complex critical points of distance functions on M_r (msolve, homotopy); ED degrees."""

from dlnscape.algebraic.alpha import (
    ALPHA0,
    PolySystem,
    alpha_data,
    certify_solutions,
    recheck_alpha,
)
from dlnscape.algebraic.msolve import msolve_path, msolve_version
from dlnscape.algebraic.solve import (
    CriticalPointOnMr,
    CriticalPointsOnMr,
    classify_real_point,
    critical_points_on_Mr,
    critical_points_on_Mr_many,
)

__all__: list[str] = [
    "ALPHA0",
    "CriticalPointOnMr",
    "CriticalPointsOnMr",
    "PolySystem",
    "alpha_data",
    "certify_solutions",
    "classify_real_point",
    "critical_points_on_Mr",
    "critical_points_on_Mr_many",
    "msolve_path",
    "msolve_version",
    "recheck_alpha",
]
# the function-space helper adds ED-degree names below (from dlnscape.algebraic.ed_degree ...)
from dlnscape.algebraic.ed_degree import EDDegree, eckart_young_degree, ed_degree, generic_ed_degree_rank_one  # noqa: E402,E501,I001
__all__ += ["EDDegree", "eckart_young_degree", "ed_degree", "generic_ed_degree_rank_one"]
