"""``dlnscape conditions SPEC.toml``: Zhou & Liang 2018's gradient dominance (Thm 1–3) and
regularity (Thm 4–6) at a global minimizer, theory vs measured side by side; and
``dlnscape conditions-study``: the plain-vs-residual comparison of their §3.2 with a figure.

The SPEC's ``[model]`` selects the network (a square ``linear`` one, ``residual`` or
``one_hidden``), its ``[loss]`` the data (a squared loss); the point θ* is the SPEC's
``[point]`` (it must be a global minimizer) or, with ``--construct``, one built by the text's
Prop 1 / 2 / 3 from the data (``--seed`` draws the free invertible matrices). ``--json`` prints
everything as JSON, ``-o FILE`` writes it atomically; bad input is one ``error: …`` line and
exit code 2.
"""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table

from dlnscape.commands._common import (
    console,
    echo_json,
    figure_file,
    friendly_errors,
    output_file,
    write_json_atomic,
)
from dlnscape.errors import DlnscapeError
from dlnscape.validate import check_seed


def _f(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "∞" if math.isinf(v) else f"{v:.4g}"
    return str(v)


def _ints(text: str, name: str) -> tuple[int, ...]:
    try:
        out = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise DlnscapeError(f"{name}: expected comma-separated integers, got {text!r}") from None
    if not out or min(out) < 1:
        raise DlnscapeError(f"{name}: expected positive integers, got {text!r}")
    return out


def _floats(text: str, name: str) -> tuple[float, ...]:
    try:
        out = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise DlnscapeError(f"{name}: expected comma-separated numbers, got {text!r}") from None
    if not out or min(out) <= 0 or not all(math.isfinite(x) for x in out):
        raise DlnscapeError(f"{name}: expected positive numbers, got {text!r}")
    return out


def conditions_report(landscape, theta_star, *, seed: int = 0, samples: int = 1000,
                      starts: int = 3, adversarial: bool = True, radius: float | None = None,
                      delta: float | None = None, delta_factor: float | None = None,
                      gamma: float = 0.5, directions: int = 16,
                      regularity: bool = True) -> dict:
    """Everything ``dlnscape conditions`` prints, as a dictionary (JSON-ready)."""
    from dlnscape.conditions import (
        estimate_gradient_dominance,
        estimate_regularity,
        gradient_dominance_bound,
        regularity_constants,
    )

    bound = gradient_dominance_bound(landscape, theta_star, rng=seed)
    est = estimate_gradient_dominance(landscape, theta_star, radius, rng=seed,
                                      n_samples=samples, adversarial=adversarial,
                                      n_starts=starts, bound=bound)
    out = {"dominance": est.to_dict(), "theta_star": [B.tolist() for B in bound.theta_star]}
    if not regularity:
        out["regularity"] = {"skipped": "--no-regularity"}
    elif not bound.problem.square_data:
        out["regularity"] = {"skipped": f"Thm 4–6 assume m = d; here m = {bound.problem.m} > "
                                        f"d = {bound.problem.d}"}
    else:
        if delta is not None and delta_factor is not None:
            raise DlnscapeError("--delta, --delta-factor: give one of them, not both")
        if delta_factor is not None:
            if not (math.isfinite(delta_factor) and delta_factor > 0):
                raise DlnscapeError(f"--delta-factor: expected a positive number, got "
                                    f"{delta_factor}")
            delta = delta_factor * regularity_constants(landscape, theta_star,
                                                        gamma=gamma).G_eta_min
        reg = estimate_regularity(landscape, theta_star, delta, gamma=gamma,
                                  n_directions=directions, rng=seed)
        out["regularity"] = reg.to_dict()
    findings = [x for x in (out["dominance"].get("finding"),
                            out["regularity"].get("finding")) if x]
    out["findings"] = findings
    return out


def _print(rep: dict) -> None:
    dom = rep["dominance"]
    b = dom["bound"]
    t = Table(title=f"{b['theorem']} ({b['catalog_id']}): gradient dominance "
                    f"L − L* ≤ λ‖∇L‖² — theory vs measured")
    t.add_column("quantity")
    t.add_column("theory (Zhou & Liang)")
    t.add_column("measured")
    t.add_row("λ  vs  sup (L − L*)/‖∇L‖²", _f(b["lam"]),
              f"{_f(dom['sup'])}  (sup/λ = {_f(dom['ratio_to_theory'])})")
    t.add_row("pointwise constant at θ* (proof) vs sharp λ♯(θ*)",
              _f(b["pointwise_at_star"]), _f(b["sharp_at_star"]))
    t.add_row("τ = ½ min η_min", _f(b["tau"]), "")
    if b["tau_tilde"] is not None:
        t.add_row("τ̃ = ½ min η_min(A*_kq)", _f(b["tau_tilde"]), "")
        t.add_row("τ̂ (sampled bisection | certified)", _f(b["tau_hat"]),
                  _f(b["tau_hat_certified"]))
    t.add_row("radius of the neighbourhood", _f(b["radius"]),
              f"searched: {_f(dom['radius'])}")
    t.add_row("inequality at every point", "claimed",
              f"{_f(dom['holds'])} ({dom['n_resolved']} points, {dom['n_violations']} "
              f"violations)")
    t.add_row("pointwise bound of the proof at every point", "claimed",
              f"{_f(dom['pointwise_holds'])} (largest pointwise constant "
              f"{_f(dom['pointwise_max'])})")
    reg = rep["regularity"]
    if "skipped" in reg:
        t.add_row("regularity (Thm 4–6)", "skipped", reg["skipped"])
    else:
        c = reg["constants"]
        t.add_row(f"{c['theorem']} ({c['catalog_id']}): α", _f(c["alpha"]), "")
        t.add_row(f"β = (1 − γ)δ²/2 (δ = {_f(c['delta'])}, γ = {_f(c['gamma'])})",
                  _f(c["beta"]), "")
        t.add_row("‖G(θ*)‖, η_min(G(θ*)), rank G", f"{_f(c['G_norm'])}, "
                  f"{_f(c['G_eta_min'])}, {c['G_rank']}", "")
        t.add_row("vacuous (δ > ‖G‖)", _f(c["vacuous"]), "")
        eps = reg["epsilon"]
        t.add_row("ε(δ)", "exists (no value given)",
                  ("—" if eps is None else _f(eps)) + ("  (held at every scanned step)"
                                                       if reg["saturated"] else "")
                  + f"  [{reg['n_directions']} directions]")
        t.add_row("‖∇h‖²/‖e‖² where ‖W_k‖ ≤ ζ (proof eq (69)/(79)/Thm 6)",
                  _f(c["grad_to_error_bound"]), _f(reg["grad_to_error_max"]))
    console.print(t)
    for note in b["notes"]:
        console.print(f"[dim]· {note}[/]")
    for f in rep["findings"]:
        console.print(f"[bold red]finding:[/] {f}")


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def conditions(
        spec: Path = typer.Argument(..., help="SPEC.toml: [model], [loss] and (unless "
                                              "--construct) the global minimizer [point]"),
        construct: bool = typer.Option(False, "--construct",
                                       help="build θ* by Zhou & Liang Prop 1/2/3 from the data"),
        seed: int = typer.Option(0, "--seed", help="seed of the construction and the samples"),
        samples: int = typer.Option(1000, "--samples", help="random points in the ball"),
        starts: int = typer.Option(3, "--starts", help="adversarial starts (worst samples)"),
        no_adversarial: bool = typer.Option(False, "--no-adversarial",
                                            help="sampling only"),
        radius: float | None = typer.Option(None, "--radius",
                                            help="search radius (default: the theorem's)"),
        delta: float | None = typer.Option(None, "--delta", help="δ of condition (19)"),
        delta_factor: float | None = typer.Option(None, "--delta-factor",
                                                  help="δ = factor · η_min(G(θ*))"),
        gamma: float = typer.Option(0.5, "--gamma", help="γ ∈ (0, 1) of α and β"),
        directions: int = typer.Option(16, "--directions", help="regularity directions"),
        no_regularity: bool = typer.Option(False, "--no-regularity",
                                           help="skip Thm 4–6"),
        as_json: bool = typer.Option(False, "--json", help="print all results as JSON"),
        output: Path | None = typer.Option(None, "--output", "-o",
                                           help="write the JSON to this file (atomically)"),
    ) -> None:
        """Zhou & Liang 2018 at a global minimizer: gradient dominance (Thm 1–3) and
        regularity (Thm 4–6) constants, theory vs measured."""
        from dlnscape.conditions import construct_global_minimizer
        from dlnscape.spec import load_spec

        for name, v in (("--samples", samples), ("--directions", directions)):
            if v < 1:
                raise DlnscapeError(f"{name}: expected a positive integer, got {v}")
        if starts < 0:
            raise DlnscapeError(f"--starts: expected a non-negative integer, got {starts}")
        check_seed(seed, "--seed")
        output = output_file(output, "-o")
        landscape, theta = load_spec(spec, need_point=not construct)
        if construct:
            theta = construct_global_minimizer(landscape, rng=seed)
        rep = conditions_report(landscape, theta, seed=seed, samples=samples, starts=starts,
                                adversarial=not no_adversarial, radius=radius, delta=delta,
                                delta_factor=delta_factor, gamma=gamma, directions=directions,
                                regularity=not no_regularity)
        rep = {"spec": str(spec), "construct": construct, **rep}
        if output is not None:
            write_json_atomic(output, rep, option="-o")
            if not as_json:
                console.print(f"wrote {output}")
        if as_json:

            echo_json(rep)
        else:
            _print(rep)

    @app.command("conditions-study")
    @friendly_errors
    def conditions_study(
        depths: str = typer.Option("1,2,3,4,5", "--depths", help="numbers of layers / units"),
        sizes: str = typer.Option("0.05,0.1,0.2,0.3,0.5,0.7", "--sizes",
                                  help="spectral sizes of the minimizer's factors"),
        d: int = typer.Option(3, "--d", help="width"),
        seed: int = typer.Option(0, "--seed"),
        s_ref: float = typer.Option(0.3, "--s-ref", help="size of the depth slice"),
        l_ref: int = typer.Option(3, "--l-ref", help="depth of the size slice"),
        samples: int = typer.Option(64, "--samples", help="random points per measurement"),
        no_measure: bool = typer.Option(False, "--no-measure", help="theory only"),
        figure: Path | None = typer.Option(None, "--figure", help="write the figure (PNG)"),
        as_json: bool = typer.Option(False, "--json", help="print all results as JSON"),
        output: Path | None = typer.Option(None, "--output", "-o",
                                           help="write the JSON to this file (atomically)"),
    ) -> None:
        """Zhou & Liang 2018 §3.2: plain vs residual networks near small-weight minimizers
        (λ and radii against depth and size, theory and measured), with a figure."""
        from dlnscape.conditions import plain_vs_residual_study, study_figure

        if d < 1 or samples < 1 or l_ref < 1:
            raise DlnscapeError("--d, --samples, --l-ref: expected positive integers")
        if not (math.isfinite(s_ref) and s_ref > 0):
            raise DlnscapeError(f"--s-ref: expected a positive number, got {s_ref}")
        check_seed(seed, "--seed")
        output = output_file(output, "-o")
        figure = figure_file(figure, "--figure")
        st = plain_vs_residual_study(_ints(depths, "--depths"), _floats(sizes, "--sizes"),
                                     d=d, seed=seed, s_ref=s_ref, l_ref=l_ref,
                                     measure=not no_measure, n_samples=samples)
        rep = st.to_dict()
        if figure is not None:
            rep["figure"] = str(study_figure(st, figure))
        if output is not None:
            write_json_atomic(output, rep, option="-o")
        if as_json:

            echo_json(rep)
            return
        t = Table(title="Zhou & Liang §3.2: plain vs residual (Thm 1 vs Thm 2)")
        for c in ("network", "depth", "size", "τ", "radius", "λ (theory)", "sup (measured)",
                  "sup/λ"):
            t.add_column(c)
        for r in st.rows:
            if r.sup_measured is None and not (math.isclose(r.size, st.s_ref)
                                               or r.depth == st.l_ref):
                continue
            t.add_row(r.network, str(r.depth), _f(r.size), _f(r.tau), _f(r.radius),
                      _f(r.lam_theory), _f(r.sup_measured), _f(r.ratio))
        console.print(t)
        console.print(st.conclusion)
        if figure is not None:
            console.print(f"figure: {rep['figure']}")
        if output is not None:
            console.print(f"wrote {output}")
