"""JAX, configured once for float64 on the CPU (imported by every module that uses JAX).

JAX is loaded lazily: importing this module only sets the environment defaults
``JAX_PLATFORMS=cpu`` and ``JAX_ENABLE_X64=1`` (cheap; an explicitly set variable is kept), so
that any later ``import jax`` in this process, dlnscape's or the caller's, is configured as
before. ``jax`` and ``jnp`` are imported, and ``jax_enable_x64`` is switched on, the first time
either attribute is looked up (``from dlnscape.jax_support import jax, jnp`` inside the
function that needs them). ``import dlnscape`` therefore does not import JAX — it costs about a
second, and its threads make ``fork`` worker pools unsafe. If JAX is already imported when this
module is, it is configured at once.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("JAX_ENABLE_X64", "1")

if TYPE_CHECKING:
    import jax
    import jax.numpy as jnp

__all__ = ["jax", "jnp", "load"]


def load() -> tuple[Any, Any]:
    """Import and configure JAX (float64); return ``(jax, jax.numpy)``. Idempotent."""
    g = globals()
    if "jnp" not in g:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        g["jax"], g["jnp"] = jax, jnp
    return g["jax"], g["jnp"]


def __getattr__(name: str) -> Any:
    if name == "jax":
        return load()[0]
    if name == "jnp":
        return load()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if "jax" in sys.modules:  # already imported by the caller: configure it now, as before
    load()
