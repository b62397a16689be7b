"""Lift properties of μ at a point (Levin–Kileel–Boumal framework, Hofflin 2023 Def 2.6).

For the lift φ = μ: parameters → X and the problems (P) min_{X} f, (Q) min_θ f∘μ:

* "local ⇒ local": θ local min of f∘μ ⇒ μ(θ) local min of f on X (every continuous f);
* "local ⇒ 1": θ local min of f∘μ ⇒ μ(θ) stationary for (P) (every differentiable f);
* "1 ⇒ 1", "2 ⇒ 1": θ 1-critical (∇(f∘μ) = 0), resp. 2-critical (also ∇²(f∘μ) ⪰ 0) ⇒ μ(θ)
  stationary for (P).

The texts pose (P) over two search sets (catalog T-000-Eq(Z)): X = M_r = im μ (LKB, 004) and
X = E = R^{d_h×d_0} (000 as printed). Every verdict is given for both readings: ``verdict``
(X = M_r) and ``verdict_E``. Each text's own criterion is evaluated separately in
``per_text`` and compared with the verdict; a verdict is True only with a theorem it rests on,
False only with an explicit counterexample f whose defining properties are re-checked
numerically here, and "undetermined" otherwise.

Stationarity on M_r at W (Hofflin Lem 3.2 / Cor 3.1): ∇f(W) ⊥ T_W M_r when rk W = r;
∇f(W) = 0 when rk W < r. On E: ∇f(W) = 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dlnscape.architecture import end_to_end
from dlnscape.geometry._common import point_and_arch, subspace_rtol
from dlnscape.geometry.differential import differential_image_basis
from dlnscape.geometry.manifold import is_stationary_on_Mr, normal_basis, stratum_frame
from dlnscape.geometry.openness import (
    is_locally_open,
    is_locally_open_product,
    layerwise_openness_test,
)
from dlnscape.geometry.ranks import rank_profile
from dlnscape.linalg import null_space, numerical_rank
from dlnscape.models.linear import LinearNetwork
from dlnscape.validate import check_rng

UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class LiftVerdict:
    """One lift property at θ, for both readings of the search set."""

    property: str
    verdict: bool | str  # X = M_r (im μ)
    verdict_E: bool | str  # X = E
    rests_on: str
    rests_on_E: str
    counterexample: dict | None = None
    counterexample_E: dict | None = None
    per_text: dict = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        from dlnscape.io import to_jsonable

        return to_jsonable({
            "property": self.property, "verdict": self.verdict, "verdict_E": self.verdict_E,
            "rests_on": self.rests_on, "rests_on_E": self.rests_on_E,
            "counterexample": self.counterexample, "counterexample_E": self.counterexample_E,
            "per_text": self.per_text, "findings": self.findings,
        })


@dataclass(frozen=True)
class LiftProperties:
    """The four lift properties at θ (Hofflin 2023 Def 2.6; catalog §6.2 X1, X3, X7)."""

    properties: dict[str, LiftVerdict]
    rank_W: int
    r: int
    filling: bool
    ambiguous: bool

    def __getitem__(self, key: str) -> LiftVerdict:
        return self.properties[key]

    def to_dict(self) -> dict:
        return {"rank_W": self.rank_W, "r": self.r, "filling": self.filling,
                "ambiguous": self.ambiguous,
                "properties": {k: v.to_dict() for k, v in self.properties.items()}}


def _bad_directions(Bperp: np.ndarray, N: np.ndarray, srt: float):
    """Directions G ∈ (Im dμ)^⊥ outside the allowed normal space N (both orthonormal).

    The singular values of ``(I − NNᵀ) Bperp`` are the sines of the principal angles between
    the two spaces (scale 1), so they are cut at the absolute level ``srt``.
    """
    if Bperp.shape[1] == 0:
        return np.zeros((Bperp.shape[0], 0)), numerical_rank(np.zeros((1, 1)))
    R = Bperp - N @ (N.T @ Bperp) if N.shape[1] else Bperp
    dec = numerical_rank(R, rtol=0.0, atol=srt)
    U, _, _ = np.linalg.svd(R, full_matrices=False)
    return U[:, : dec.rank].copy(), dec


def _one_to_one(theta, arch, W, e, B, srt, reading):
    """1⇒1 at θ ⟺ (Im dμ)^⊥ ⊆ normal space allowed by stationarity (reading)."""
    m, n = W.shape
    Bperp = null_space(B.T)[0] if B.shape[1] else np.eye(m * n)
    if reading == "M_r" and e == arch.r:
        frame = stratum_frame(W, rank=e)
        Nb = normal_basis(frame)
        N = Nb.reshape(Nb.shape[0], m * n).T
    else:
        N = np.zeros((m * n, 0))
    bad, dec = _bad_directions(Bperp, N, srt)
    return bad, Bperp, N, dec


def _check_linear_counterexample(theta, arch, W, G, reading) -> dict:
    """f(X) = ⟨G, X⟩: ∇(f∘μ)(θ) = dμ(θ)ᵀG should vanish, while W is not stationary."""
    net = LinearNetwork(arch)
    pull = net.pullback(theta, G)
    gnorm = float(np.sqrt(sum(float(np.sum(x * x)) for x in pull)))
    st = is_stationary_on_Mr(G, W, arch.r)
    return {
        "f": "f(X) = <G, X>",
        "G": G,
        "grad_g_norm": gnorm,
        "grad_f_norm": float(np.linalg.norm(G)),
        "stationary_on_Mr": st.stationary,
        "stationary_on_E": bool(np.linalg.norm(G) == 0),
        "reading": reading,
        "valid": gnorm <= 1e-10 * (1 + float(np.linalg.norm(G))) and (
            st.stationary is False if reading == "M_r" else True),
    }


def _two_critical_search(theta, arch, W, bad, n_random: int, rng, max_params: int):
    """Look for f = ⟨G,X⟩ + (c/2)‖X − W‖² making θ 2-critical with G ∈ ``bad``."""
    P = arch.n_params
    if bad.shape[1] == 0 or P > max_params:
        return None, ("no candidate directions" if bad.shape[1] == 0
                      else f"P = {P} > {max_params}: search skipped")
    net = LinearNetwork(arch)
    J = net.jacobian(theta)
    JtJ = J.T @ J
    gen = check_rng(rng)
    m, n = W.shape
    cands = [bad[:, j] for j in range(bad.shape[1])]
    cands += [bad @ gen.standard_normal(bad.shape[1]) for _ in range(n_random)]
    tried = 0
    for g in cands:
        G = (g / np.linalg.norm(g)).reshape(m, n)
        C = net.curvature_matrix(theta, G)
        scale = max(float(np.linalg.norm(C, 2)), 1e-300)
        jscale = max(float(np.linalg.norm(JtJ, 2)), 1e-300)
        for c in (0.0, 1.0, 10.0, 1e2, 1e3, 1e4):
            cc = c * scale / jscale if jscale > 1e-300 else c
            H = cc * JtJ + C
            ev = np.linalg.eigvalsh(0.5 * (H + H.T))
            tried += 1
            tol = 1e-10 * max(float(np.max(np.abs(ev))), 1.0)
            if ev[0] >= -tol:
                return {"f": "f(X) = <G, X> + (c/2)||X - W||^2", "G": G, "c": cc,
                        "hessian_min_eigenvalue": float(ev[0]),
                        "hessian_eigenvalues": ev, "psd_tolerance": tol,
                        "grad_f_norm": 1.0}, f"found after {tried} trials"
    return None, f"none of {tried} (G, c) trials gave a PSD Hessian"


def _compare(per: dict, v_m, v_e, skip_E: tuple[str, ...] = ()) -> list[str]:
    """Annotate each text criterion with its agreement per reading; list the disagreements.

    A criterion that agrees with neither reading contradicts what is certified here; one that
    agrees with one reading only is recorded with that reading (catalog T-000-Eq(Z)).
    """
    out = []
    for k, v in per.items():
        val = v["value"]
        if not isinstance(val, bool):
            continue
        am = val == v_m if isinstance(v_m, bool) else None
        ae = None if k.startswith(skip_E) else (val == v_e if isinstance(v_e, bool) else None)
        v["agrees_reading_M_r"] = am
        v["agrees_reading_E"] = ae
        if am is False and ae is not True:
            out.append(f"{k} says {val}, but the verdict for X = M_r is {v_m}"
                       + ("" if ae is None else f" and for X = E is {v_e}"))
        elif am is False and ae is True:
            out.append(f"{k} says {val}: agrees only with the reading X = E (verdict {v_e}); "
                       f"for X = M_r the verdict is {v_m}")
        elif am is True and ae is False:
            out.append(f"{k} says {val}: agrees only with the reading X = M_r; for X = E the "
                       f"verdict is {v_e}")
    return out


def lift_properties(
    theta: Sequence[np.ndarray],
    rtol: float | None = None,
    *,
    rng: np.random.Generator | int | None = 0,
    n_random: int = 8,
    max_params: int = 400,
) -> LiftProperties:
    """"local ⇒ local", "local ⇒ 1", "1 ⇒ 1", "2 ⇒ 1" at θ, each with its theorem or an
    explicit counterexample f, per reading of the search set, and each text's own criterion.
    """
    theta, arch = point_and_arch(theta)
    prof = rank_profile(theta, rtol)
    W = end_to_end(theta)
    m, n = W.shape
    e, r = prof.rank, arch.r
    h = arch.h
    amb = prof.ambiguous
    B, bdec = differential_image_basis(theta, rtol)
    srt = subspace_rtol([*prof.prefix, *prof.suffix, prof.end_to_end], (m * n, m * n), rtol)
    amb = amb or bdec.ambiguous
    props: dict[str, LiftVerdict] = {}

    def und(x):
        return UNDETERMINED if amb else x

    # ---------------------------------------------------------------- 1 ⇒ 1
    res = {}
    for reading in ("M_r", "E"):
        bad, Bperp, N, bdec2 = _one_to_one(theta, arch, W, e, B, srt, reading)
        amb = amb or bdec2.ambiguous
        if bad.shape[1] == 0:
            res[reading] = (True, "(Im dμ(θ))^⊥ ⊆ the normal directions allowed by stationarity "
                            + ("(Cor 3.1: rk W = r)" if reading == "M_r" and e == r else
                               "(= {0}: dμ(θ) is onto)"), None, bad)
        else:
            G = bad[:, 0].reshape(m, n)
            ce = _check_linear_counterexample(theta, arch, W, G, reading)
            res[reading] = (False if ce["valid"] else UNDETERMINED,
                            f"a direction G ⊥ Im dμ(θ) that stationarity on {reading} forbids "
                            f"(dim {bad.shape[1]})", ce, bad)
    per = {}
    if h == 2 and r < min(arch.d_in, arch.d_out):
        lkb = prof.layers[0].rank == prof.layers[1].rank == r
        per["000 Prop 2.2(ii) (LKB Prop 3.6(ii)), reading M_r"] = {
            "value": lkb, "criterion": "rk L = rk R = r"}
    findings = [f"{k}: {v['value']} but verdict {res['M_r'][0]}" for k, v in per.items()
                if res["M_r"][0] in (True, False) and v["value"] != res["M_r"][0]]
    props["1 ⇒ 1"] = LiftVerdict("1 ⇒ 1", und(res["M_r"][0]), und(res["E"][0]), res["M_r"][1],
                                 res["E"][1], res["M_r"][2], res["E"][2], per, findings)

    # ---------------------------------------------------------------- 2 ⇒ 1
    out = {}
    for reading in ("M_r", "E"):
        v1, why1, _, bad = res[reading]
        if v1 is True:
            out[reading] = (True, "1 ⇒ 1 holds at θ, and 2-critical points are 1-critical", None)
            continue
        if reading == "M_r" and h == 2 and r < min(arch.d_in, arch.d_out):
            out[reading] = (True, "LKB Prop 3.6(iii) (000 Prop 2.2(iii)): ψ(L,R) = LRᵀ is 2⇒1 "
                            "everywhere", None)
            continue
        ce, note = _two_critical_search(theta, arch, W, bad, n_random, rng, max_params)
        if ce is not None:
            st = is_stationary_on_Mr(ce["G"], W, r)
            ok = st.stationary is False if reading == "M_r" else True
            ce["stationary_on_Mr"] = st.stationary
            ce["reading"] = reading
            out[reading] = ((False if ok else UNDETERMINED),
                            "explicit f: θ is 2-critical (gradient 0, Hessian PSD up to the "
                            "stated tolerance) while W is not stationary", ce)
        else:
            out[reading] = (UNDETERMINED, f"1 ⇒ 1 fails; no 2-critical counterexample found "
                            f"({note})", None)
    per = {}
    if h == 2 and r < min(arch.d_in, arch.d_out):
        per["000 Prop 2.2(iii) (LKB Prop 3.6(iii))"] = {"value": True, "reading": "M_r"}
    findings = [f"{k}: True but a 2-critical counterexample was found"
                for k in per if out["M_r"][0] is False]
    props["2 ⇒ 1"] = LiftVerdict("2 ⇒ 1", und(out["M_r"][0]), und(out["E"][0]), out["M_r"][1],
                                 out["E"][1], out["M_r"][2], out["E"][2], per, findings)

    # ---------------------------------------------------------------- local ⇒ 1
    # reading M_r: 004 Prop 9 (rk W < r) and Thm 4 + Prop 6 (rk W = r): true at every θ
    v_m, why_m = True, ("004 Prop 9 (rk W < r: a critical θ with ∇f(W) ≠ 0 has non-critical "
                        "fiber points arbitrarily close, so it is no local minimum; hence "
                        "∇f(W) = 0)" if e < r else
                        "004 Thm 4 + Prop 6 (rk W = r: dμ(θ) maps onto T_W M_r, so a local "
                        "minimum gives ∇f(W) ⊥ T_W M_r)")
    ce_E = None
    if arch.filling or e < r:
        v_e, why_e = True, why_m + ("; filling: M_r = E" if arch.filling else
                                    "; ∇f(W) = 0 is stationarity on E too")
    else:
        # f(X) = ‖X − Q‖² with Q = W + s u⊥ v⊥ᵀ, s < σ_r(W): W = [Q]_r (Eckart–Young)
        frame = stratum_frame(W, rank=e)
        s = 0.5 * float(frame.s[-1])
        Q = W + s * np.outer(frame.U_perp[:, 0], frame.V_perp[:, 0])
        U, sv, Vt = np.linalg.svd(Q)
        best = (U[:, :r] * sv[:r]) @ Vt[:r]
        grad = 2 * (W - Q)
        ce_E = {"f": "f(X) = ||X - Q||^2", "Q": Q,
                "eckart_young_residual": float(np.linalg.norm(best - W)),
                "why_local_min": "f(μ(θ')) ≥ min_{M_r} f = f(W) (Eckart–Young), so θ is a "
                                 "global minimum of f∘μ",
                "grad_f_norm": float(np.linalg.norm(grad))}
        ok = ce_E["eckart_young_residual"] <= 1e-10 * (1 + np.linalg.norm(W))
        v_e = False if ok else UNDETERMINED
        why_e = "explicit f (non-filling, rk W = r): θ is a global minimum, ∇f(W) ≠ 0"
    per = {}
    if arch.filling:
        per["000 Thm 2.3 (LvB)"] = {"value": True, "criterion": "filling"}
    d_min = r
    kerA = prof.prefix[h - 1].rank == arch.d_in  # ker W_{h-1,-} = {0}
    k1, k2 = prof.k1, prof.k2
    c_i = bool(kerA or e == d_min)
    c_ii = bool((not kerA) and e < d_min and k1 == k2)
    per["000 Prop 3.1 (sufficient)"] = {
        "value": True if (c_i or c_ii) else "not decided by this criterion",
        "condition_i": c_i, "condition_ii": c_ii, "k1": k1, "k2": k2}
    if arch.filling:
        t34 = True
        crit = "min(d_0..d_h) ∈ {d_0, d_h}"
    else:
        hid = arch.widths[1:h]
        ks = [i for i in range(1, h) if arch.widths[i] == min(hid)]
        t34 = all(prof.prefix[k].rank == prof.suffix[k].rank == arch.widths[k] for k in ks)
        crit = f"rk W_k,- = rk W_>k = d_k for k in argmin {ks}"
    per["000 Thm 3.3/3.4 (⟺)"] = {"value": t34, "criterion": crit}
    per["004 Prop 9 + Thm 4/Prop 6 (reading M_r)"] = {"value": True}
    findings = _compare(per, v_m, v_e, skip_E=("004",))
    props["local ⇒ 1"] = LiftVerdict("local ⇒ 1", und(v_m), und(v_e), why_m, why_e, None, ce_E,
                                     per, findings)

    # ---------------------------------------------------------------- local ⇒ local
    op = is_locally_open(theta, rtol)
    v_m = UNDETERMINED if op.is_open is None else op.is_open
    why_m = f"000 Thm 2.1 (LKB Thm A.2): local⇒local ⟺ open; openness by {op.theorem}"
    ce_m = None
    if v_m is False:
        ce_m = {"witness": "μ is not locally open at θ onto M_r", "steps": op.steps}
    if arch.filling:
        v_e, why_e, ce_e = v_m, why_m + " (filling: M_r = E)", ce_m
    else:
        k_extra = r - e + 1
        frame = stratum_frame(W, rank=e)
        Np = sum(np.outer(frame.U_perp[:, j], frame.V_perp[:, j]) for j in range(k_extra))
        t = 1e-3
        X = W + t * Np
        sv = np.linalg.svd(X, compute_uv=False)
        fX = -float(np.sqrt(np.sum(sv[r:] ** 2)))
        ce_e = {"f": "f(X) = -dist(X, M_r) = -(sum_{i>r} sigma_i(X)^2)^(1/2)",
                "why_local_min": "f∘μ ≡ 0, so every θ is a local minimum of f∘μ",
                "witness_X": X, "f_witness": fX, "t": t}
        v_e = False if fX < 0 else UNDETERMINED
        why_e = "explicit continuous f (non-filling: im μ = M_r has empty interior in E)"
    per = {"000 Thm 2.1 + openness": {"value": v_m}}
    lw = layerwise_openness_test(theta, rtol)
    per["000 Cor 3.2 (layerwise, ⟺)"] = {"value": lw.criterion_holds, "per_layer": lw.per_layer}
    if h == 2:
        pr = is_locally_open_product(theta[1], theta[0], rtol)
        per["001 Prop 4 / Thm 5 (two factors)"] = {"value": pr.is_open, "case": pr.case}
        if r < min(arch.d_in, arch.d_out):
            per["000 Prop 2.2(i) (LKB Prop 3.6(i))"] = {
                "value": prof.layers[0].rank == prof.layers[1].rank == e}
    findings = _compare(per, v_m, v_e, skip_E=("001", "000 Prop 2.2", "000 Thm 2.1"))
    props["local ⇒ local"] = LiftVerdict("local ⇒ local", und(v_m), und(v_e), why_m, why_e,
                                         ce_m, ce_e, per, findings)
    order = ["local ⇒ local", "local ⇒ 1", "1 ⇒ 1", "2 ⇒ 1"]
    return LiftProperties({k: props[k] for k in order}, e, r, arch.filling, amb)
