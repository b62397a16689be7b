"""Gradient dominance and regularity near global minimizers: Zhou & Liang 2018
(docs/bibliography.md) — the theoretical constants and radii of Thm 1–6 against measured ones.

* :mod:`~dlnscape.conditions.setting`: which of the text's networks a landscape is, its data
  in the text's normalisation, the global minimum, the error Jacobian G(θ);
* :mod:`~dlnscape.conditions.dominance`: Thm 1–3 (λ_h, λ_f, λ_g, τ, τ̃, τ̂, the pointwise
  constant of eq (40)) and the empirical supremum of (L − L*)/‖∇L‖²;
* :mod:`~dlnscape.conditions.regularity`: Thm 4–6 (α, β, ζ, directions satisfying (19),
  the empirical ε(δ));
* :mod:`~dlnscape.conditions.study`: the plain-vs-residual comparison of §3.2, with a figure.
"""

from dlnscape.conditions.dominance import (
    DominanceBound,
    DominanceEstimate,
    RatioPoint,
    estimate_gradient_dominance,
    gradient_dominance_bound,
    pointwise_constant,
    sharp_pointwise_constant,
)
from dlnscape.conditions.regularity import (
    DirectionScan,
    RegularityConstants,
    RegularityEstimate,
    estimate_regularity,
    regularity_constants,
)
from dlnscape.conditions.setting import (
    ZhouLiangProblem,
    construct_global_minimizer,
    error_jacobian,
    zhou_liang_problem,
)
from dlnscape.conditions.study import (
    ComparisonRow,
    PlainVsResidualStudy,
    plain_vs_residual_study,
    study_figure,
    study_instance,
)

__all__ = [
    "ComparisonRow",
    "PlainVsResidualStudy",
    "plain_vs_residual_study",
    "study_figure",
    "study_instance",
    "DirectionScan",
    "RegularityConstants",
    "RegularityEstimate",
    "estimate_regularity",
    "regularity_constants",
    "DominanceBound",
    "DominanceEstimate",
    "RatioPoint",
    "ZhouLiangProblem",
    "construct_global_minimizer",
    "error_jacobian",
    "estimate_gradient_dominance",
    "gradient_dominance_bound",
    "pointwise_constant",
    "sharp_pointwise_constant",
    "zhou_liang_problem",
]
