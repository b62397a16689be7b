"""Points with prescribed factor ranks, for the geometry tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def clear_rank(M: np.ndarray) -> int | None:
    """An independent reference rank: numpy's SVD rank (cut 1e-9·σ_1) when no singular value
    lies near the cut (in [1e-12·σ_1, 1e-6·σ_1]), else None."""
    s = np.linalg.svd(M, compute_uv=False)
    if s.size == 0 or s[0] == 0.0:
        return 0
    if np.any((s > 1e-12 * s[0]) & (s < 1e-6 * s[0])):
        return None
    return int(np.sum(s > 1e-9 * s[0]))


def low_rank(rng: np.random.Generator, m: int, n: int, k: int) -> np.ndarray:
    """A Gaussian m × n matrix of rank exactly k (generically)."""
    return rng.standard_normal((m, k)) @ rng.standard_normal((k, n))


def point_with_ranks(rng: np.random.Generator, widths, ranks) -> tuple[np.ndarray, ...]:
    return tuple(
        low_rank(rng, widths[i + 1], widths[i], ranks[i]) for i in range(len(widths) - 1)
    )


@st.composite
def ranked_points(draw, hmin: int = 2, hmax: int = 4, dmax: int = 4, deficient: bool = True):
    """(widths, ranks, theta): random widths, a random rank per layer (often deficient)."""
    h = draw(st.integers(hmin, hmax))
    widths = tuple(draw(st.lists(st.integers(1, dmax), min_size=h + 1, max_size=h + 1)))
    ranks = []
    for i in range(h):
        full = min(widths[i], widths[i + 1])
        ranks.append(draw(st.integers(0, full)) if deficient else full)
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    return widths, tuple(ranks), point_with_ranks(rng, widths, ranks)
