"""JAX, configured once for float64 on the CPU (imported by every module that uses JAX)."""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

jax.config.update("jax_enable_x64", True)

__all__ = ["jax", "jnp"]
