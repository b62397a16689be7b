"""Helpers shared by the seed modules: classify with certificates, describe instances, draw."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from dlnscape.claims.base import (
    Certificate,
    Figure,
    Inconclusive,
    classification_certificate,
    figure,
    safe_name,
)

MINIMA = ("global_minimum", "local_minimum")
SADDLES = ("strict_saddle", "degenerate_saddle")


def classified(landscape, theta, *, rng: int = 0):
    """``classify`` with its certificates re-checked; an undetermined verdict is Inconclusive
    (failing to prove is never read as agreement or disagreement)."""
    from dlnscape.critical import classify

    res = classify(landscape, theta, rng=rng)
    if str(res.verdict) == "undetermined":
        raise Inconclusive(f"classify could not decide the point: {'; '.join(res.reasons)}")
    if not res.verify(landscape):
        raise Inconclusive(f"classify's certificates for {res.verdict} do not re-verify")
    return res


def point_instance(label: str, landscape, theta, **extra) -> dict:
    """An instance as data: a label and the SPEC (model, loss, point; arrays inlined)."""
    from dlnscape.spec import spec_to_dict

    return {"label": label, "spec": spec_to_dict(landscape, theta), **extra}


def cert_for(claim_id: str, tag: str, landscape, theta, res, label: str) -> Certificate:
    return classification_certificate(f"{claim_id}--{tag}", landscape, theta, res, label=label,
                                      claim_id=claim_id)


def escape_figure(claim_id: str, tag: str, landscape, res, caption: str) -> Figure:
    from dlnscape.report.figures import escape_plot

    return figure(f"{safe_name(claim_id)}--{tag}-escape.png", caption,
                  lambda p: escape_plot(landscape, res.certificate, p))


def spectrum_figure(claim_id: str, tag: str, res, caption: str) -> Figure:
    from dlnscape.report.figures import hessian_spectrum_plot

    h = res.hessian
    return figure(f"{safe_name(claim_id)}--{tag}-spectrum.png", caption,
                  lambda p: hessian_spectrum_plot(h.eigenvalues, p, zero_threshold=h.threshold,
                                                  title=f"Hessian ({res.verdict})"))


def verdict_numbers(res) -> dict:
    h = res.hessian
    out = {"verdict": str(res.verdict), "value": res.value, "gradient_norm": res.gradient_norm,
           "global_value": res.global_value}
    if h is not None:
        out.update({"hessian_inertia": [h.n_negative, h.n_zero, h.n_positive],
                    "lambda_min": h.lambda_min})
    if res.order is not None:
        out["criticality_order"] = res.order.order
    if res.certificate is not None:
        out["certificate"] = res.certificate.summary()
    return out


# ----------------------------------------------------------------------------- exact helpers
def frac_matrix(rows) -> list[list[Fraction]]:
    return [[Fraction(x) for x in row] for row in rows]


def exact_rank(rows) -> int:
    """The exact rank of a rational matrix (python-flint ``fmpq_mat``)."""
    import flint

    rows = [list(r) for r in rows]
    if not rows or not rows[0]:
        return 0
    M = flint.fmpq_mat(len(rows), len(rows[0]),
                       [flint.fmpq(Fraction(x).numerator, Fraction(x).denominator)
                        for r in rows for x in r])
    return int(M.rank())


def matmul(A, B) -> list[list[Fraction]]:
    return [[sum((A[i][k] * B[k][j] for k in range(len(B))), Fraction(0))
             for j in range(len(B[0]))] for i in range(len(A))]


def as_int_lists(M) -> list[list[int]]:
    a = np.asarray(M)
    if not np.all(a == np.round(a)):
        raise ValueError("expected an integer matrix")
    return [[int(x) for x in row] for row in np.round(a).astype(np.int64)]
