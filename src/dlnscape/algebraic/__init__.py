"""All complex critical points of distance functions on M_r (msolve, homotopy, PHCpack behind one
backend interface); ED degrees and their table; every critical point of regularized linear
networks in weight space; monodromy."""

from dlnscape.algebraic.alpha import (
    ALPHA0,
    PolySystem,
    alpha_data,
    certify_solutions,
    recheck_alpha,
)
from dlnscape.algebraic.backend import Backend
from dlnscape.algebraic.ed_degree import (
    EDDegree,
    EDDegreeTable,
    EDTableEntry,
    eckart_young_degree,
    ed_degree,
    ed_degree_table,
    formula_ed_degree,
    generic_ed_degree_rank_one,
)
from dlnscape.algebraic.monodromy import MonodromyResult, monodromy_solve
from dlnscape.algebraic.msolve import msolve_path, msolve_version
from dlnscape.algebraic.result import CriticalPointOnMr, CriticalPointsOnMr, classify_real_point
from dlnscape.algebraic.solve import (
    BACKENDS,
    critical_points_on_Mr,
    critical_points_on_Mr_many,
    get_backend,
)
from dlnscape.algebraic.weight_space import (
    WeightSpaceCriticalPoint,
    WeightSpaceCriticalPoints,
    critical_points,
)

__all__: list[str] = [
    "ALPHA0",
    "BACKENDS",
    "Backend",
    "CriticalPointOnMr",
    "CriticalPointsOnMr",
    "EDDegree",
    "EDDegreeTable",
    "EDTableEntry",
    "MonodromyResult",
    "WeightSpaceCriticalPoint",
    "WeightSpaceCriticalPoints",
    "critical_points",
    "PolySystem",
    "alpha_data",
    "certify_solutions",
    "classify_real_point",
    "critical_points_on_Mr",
    "critical_points_on_Mr_many",
    "eckart_young_degree",
    "ed_degree",
    "ed_degree_table",
    "formula_ed_degree",
    "generic_ed_degree_rank_one",
    "get_backend",
    "monodromy_solve",
    "msolve_path",
    "msolve_version",
    "recheck_alpha",
]
