"""JAX is imported lazily: ``import dlnscape``, building losses and landscapes and the numpy
oracles leave it out of ``sys.modules``; the first JAX-based call imports it, configured as
``dlnscape.jax_support`` always did (float64, CPU). Each check runs in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest


def _run(body: str, env: dict[str, str | None] | None = None) -> str:
    e = dict(os.environ)
    for k in ("JAX_PLATFORMS", "JAX_ENABLE_X64"):  # as a user's shell would have them: unset
        e.pop(k, None)
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(body)], capture_output=True,
                       text=True, timeout=300, env=e)
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout


_NUMPY_ONLY = """
    import sys
    import numpy as np
    import dlnscape as dl
    assert "jax" not in sys.modules, "import dlnscape"
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 7)), rng.standard_normal((3, 7))
    loss = dl.SquaredLoss(X, Y)
    land = dl.Landscape(dl.Architecture([3, 2, 3]), loss)
    theta = dl.random_point(land.arch, rng)
    v = land.value(theta)
    g = land.grad_flat(theta)
    h = land.hvp_flat(theta, np.ones(land.n_params))
    c = land.taylor(theta, theta)
    assert np.isfinite(v) and np.isfinite(g).all() and np.isfinite(h).all()
    assert abs(c[0] - v) <= 1e-12 * max(1.0, abs(v))
    dl.LogisticLoss(X, rng.integers(0, 2, (3, 7)), ridge=0.1).grad(rng.standard_normal((3, 3)))
    import dlnscape.cli, dlnscape.registry, dlnscape.commands.derivatives  # noqa: F401
    print("JAX", "jax" in sys.modules)
"""


def test_numpy_paths_do_not_import_jax():
    out = _run(_NUMPY_ONLY)
    assert "JAX False" in out


@pytest.mark.parametrize("env_x64", [None, "0"])
def test_jax_reference_imports_configured_jax(env_x64):
    """A loss's JAX expression imports JAX with float64 on, even against JAX_ENABLE_X64=0 (as
    ``jax_support`` always forced it), on the CPU."""
    out = _run("""
        import sys
        import numpy as np
        import dlnscape as dl
        rng = np.random.default_rng(0)
        loss = dl.SquaredLoss(rng.standard_normal((3, 5)), rng.standard_normal((2, 5)))
        assert "jax" not in sys.modules
        W = rng.standard_normal((2, 3))
        r = loss.jax_value(W)
        import jax
        assert abs(float(r) - loss.value(W)) <= 1e-12 * abs(loss.value(W))
        print("X64", jax.config.jax_enable_x64, r.dtype)
        print("BACKEND", jax.default_backend())
    """, env={"JAX_ENABLE_X64": env_x64})
    assert "X64 True float64" in out
    assert "BACKEND cpu" in out


def test_jet_taylor_and_registry_import_jax():
    out = _run("""
        import sys
        import numpy as np
        import dlnscape as dl
        from dlnscape.registry import quartic_loss
        rng = np.random.default_rng(1)
        X = rng.standard_normal((3, 6))
        loss = dl.LogisticLoss(X, rng.integers(0, 2, (2, 6)), ridge=0.5)
        W, V = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
        assert "jax" not in sys.modules
        c = loss.taylor([W, V], 2)  # not polynomial: jax.experimental.jet
        assert "jax" in sys.modules
        import jax
        assert jax.config.jax_enable_x64
        assert abs(c[0] - loss.value(W)) <= 1e-12 * abs(loss.value(W))
        assert abs(c[1] - np.vdot(loss.grad(W), V)) <= 1e-10 * max(1.0, abs(c[1]))
        q = quartic_loss(np.eye(2), rng.standard_normal((2, 3)))
        assert q.jax_value(W).dtype == np.float64
        print("OK")
    """)
    assert "OK" in out


def test_plain_import_jax_after_dlnscape_is_configured():
    """``import dlnscape`` used to leave JAX configured for the whole process; a caller's own
    ``import jax`` afterwards still gets float64 on the CPU."""
    out = _run("""
        import dlnscape  # noqa: F401
        import jax
        import jax.numpy as jnp
        print("X64", jax.config.jax_enable_x64, jnp.ones(2).dtype, jax.default_backend())
    """)
    assert "X64 True float64 cpu" in out


def test_jax_imported_first_is_configured_by_dlnscape():
    out = _run("""
        import jax
        import dlnscape  # noqa: F401
        print("X64", jax.config.jax_enable_x64)
    """)
    assert "X64 True" in out
