"""Everything :mod:`dlnscape.geometry` says about one point (the `dlnscape geometry` command)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import end_to_end
from dlnscape.errors import MemoryBudgetError
from dlnscape.geometry._common import point_and_arch
from dlnscape.geometry.differential import (
    differential_rank,
    image_contains_tangent_space,
    is_submersion,
    jacobian_rank,
)
from dlnscape.geometry.fibers import fiber_component_label, fiber_components, fiber_moves
from dlnscape.geometry.lifts import lift_properties
from dlnscape.geometry.manifold import is_stationary_on_Mr, tangent_space
from dlnscape.geometry.openness import is_locally_open, layerwise_openness_test
from dlnscape.geometry.pure import critical_type
from dlnscape.geometry.ranks import rank_profile
from dlnscape.report.summary import Summary, summary_html_method, summary_repr, summary_str


@dataclass(frozen=True)
class GeometrySummary:
    """The geometry of μ at θ (and, with a landscape, the critical type of θ)."""

    sections: dict

    def to_dict(self) -> dict:
        from dlnscape.io import to_jsonable

        return to_jsonable(self.sections)

    def _summary(self) -> Summary:
        s = self.sections

        def get(section: str, key: str):
            sec = s.get(section)
            return sec.get(key) if isinstance(sec, dict) else None

        arch, prof, dr = s.get("architecture", {}), s.get("rank_profile", {}), s.get(
            "differential_rank", {})
        rows = [("widths", "(" + ", ".join(map(str, arch.get("widths", []))) + ")"
                 + f", r = {arch.get('r')}, {'filling' if arch.get('filling') else 'non-filling'}"),
                ("rank W", f"{prof.get('rank')} of r = {prof.get('r')}"
                 + (" (degenerate)" if prof.get("degenerate") else "")),
                ("differential rank", f"{dr.get('rank')} of max {dr.get('max_rank')}"),
                ("submersion", get("submersion", "is_submersion")),
                ("locally open", get("locally_open", "is_open")),
                ("layerwise criterion (Hofflin Cor 3.2)",
                 get("layerwise_openness_cor3_2", "criterion_holds")),
                ("fiber components", get("fiber_components", "count")),
                ("dim T_W M_{rank W}", get("tangent_space_Mr", "dim"))]
        props = get("lift_properties", "properties")
        if isinstance(props, dict):
            rows.append(("lift properties", ", ".join(
                f"{k}: {v.get('verdict') if isinstance(v, dict) else v}"
                for k, v in props.items())))
        if "stationary_on_Mr" in s:
            rows.append(("stationary on M_r", get("stationary_on_Mr", "stationary")))
        if "critical_type" in s:
            rows.append(("critical type", get("critical_type", "kind")))
        return Summary(f"GeometrySummary of μ at θ ({len(s)} sections; .sections, .to_dict())",
                       tuple(rows), brief=("widths", "rank W", "submersion", "critical type"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def geometry_summary(
    theta: Sequence[np.ndarray],
    landscape=None,
    *,
    rtol: float | None = None,
    lifts: bool = True,
    rng: np.random.Generator | int | None = 0,
) -> GeometrySummary:
    """Ranks, differential, submersion, openness, fibers, M_r and (with a landscape) the
    pure/spurious type at θ — each with its evidence.

    θ must have finite entries whose products do not overflow float64
    (:func:`dlnscape.validate.check_products_finite`): a :class:`~dlnscape.errors.PointError`
    naming ``theta`` otherwise, before any linear algebra."""
    theta, _ = point_and_arch(theta)  # checks the products too (check_products_finite)
    prof = rank_profile(theta, rtol)
    arch = prof.arch
    W = end_to_end(prof_theta := tuple(np.asarray(x, dtype=np.float64) for x in theta))
    out: dict = {"architecture": {"widths": list(arch.widths), "h": arch.h, "r": arch.r,
                                  "filling": arch.filling, "bottlenecks": list(arch.bottlenecks),
                                  "n_params": arch.n_params}}
    out["rank_profile"] = prof.to_dict()
    dr = differential_rank(prof_theta, rtol, prof)
    out["differential_rank"] = dr.to_dict()
    try:
        out["jacobian_rank"] = jacobian_rank(prof_theta, rtol).to_dict()
    except MemoryBudgetError as e:
        out["jacobian_rank"] = {"skipped": str(e)}
    out["submersion"] = is_submersion(prof_theta, rtol, profile=prof).to_dict()
    out["image_contains_tangent_space"] = image_contains_tangent_space(prof_theta, rtol).to_dict()
    out["locally_open"] = is_locally_open(prof_theta, rtol).to_dict()
    out["layerwise_openness_cor3_2"] = layerwise_openness_test(prof_theta, rtol).to_dict()
    if lifts:
        out["lift_properties"] = lift_properties(prof_theta, rtol, rng=rng).to_dict()
    out["fiber_components"] = fiber_components(W, arch, rtol).to_dict()
    out["fiber_component_label"] = fiber_component_label(prof_theta, rtol=rtol).to_dict()
    moves = fiber_moves(prof_theta, rng)
    out["fiber_moves"] = [
        {"layer": m.layer, "side": m.side, "kernel_dim": m.kernel_dim, "residual": m.residual,
         "description": m.description} for m in moves
    ]
    out["tangent_space_Mr"] = tangent_space(W, rtol=rtol).to_dict()
    if landscape is not None:
        G = landscape.loss.grad(W)
        out["stationary_on_Mr"] = is_stationary_on_Mr(
            G, W, arch.r, rtol=rtol, scale=landscape.loss.magnitude(W).gradient).to_dict()
        out["critical_type"] = critical_type(landscape, prof_theta, rtol=rtol).to_dict()
    return GeometrySummary(out)
