"""Rank profile of a point: ranks of every layer, prefix and suffix product, with evidence.

Notation (Trager et al. 2020 (004), §2; Hofflin 2023 (000), §3): ``W_{<i} = W_{i-1} ⋯ W_1``
and ``W_{>i} = W_h ⋯ W_{i+1}`` with identities at the ends; Hofflin's ``W_{k,-} = W_k ⋯ W_1
= W_{<k+1}``.  Every rank is a :class:`dlnscape.linalg.RankDecision` (singular values, cut,
gap, ambiguity) so anyone can re-check it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Architecture, prefix_products, suffix_products
from dlnscape.geometry._common import point_and_arch
from dlnscape.linalg import RankDecision, numerical_rank, product_rank


@dataclass(frozen=True)
class RankProfile:
    """Ranks along a point ``θ = (W_1, …, W_h)``.

    * ``layers[i-1]``: rank of ``W_i`` (i = 1..h).
    * ``prefix[k]``: rank of ``W_k ⋯ W_1`` for k = 0..h (``prefix[0]`` is ``I_{d_0}``), so
      ``W_{<i}`` is ``prefix[i-1]`` and Hofflin's ``W_{k,-}`` is ``prefix[k]``.
    * ``suffix[k]``: rank of ``W_h ⋯ W_{k+1}`` for k = 0..h (``suffix[h]`` is ``I_{d_h}``), so
      ``W_{>i}`` is ``suffix[i]``.
    * ``end_to_end``: rank of ``W = W_h ⋯ W_1`` (computed directly from ``W``).
    * ``degenerate``: ``rank W < r`` (Nouiehed–Razaviyayn (001) §1; Trager's ``rk W < r``).
    * ``k1``, ``k2`` (Hofflin 2023, Prop 3.1): ``k1`` is the first k ∈ [h] with
      ``ker W_{k,-} ≠ {0}`` (None if there is none), ``k2`` the first k with
      ``rank W_{k,-} = rank W``.
    * ``ambiguous``: some rank decision above has a gap below ``linalg.AMBIGUOUS_GAP``; every
      answer that depends on the ranks must then be "undetermined".
    """

    arch: Architecture
    layers: tuple[RankDecision, ...]
    prefix: tuple[RankDecision, ...]
    suffix: tuple[RankDecision, ...]
    end_to_end: RankDecision

    @property
    def r(self) -> int:
        return self.arch.r

    @property
    def rank(self) -> int:
        return self.end_to_end.rank

    @property
    def degenerate(self) -> bool:
        return self.rank < self.r

    @property
    def ambiguous(self) -> bool:
        return any(
            d.ambiguous for d in (*self.layers, *self.prefix, *self.suffix, self.end_to_end)
        )

    @property
    def k1(self) -> int | None:
        d0 = self.arch.d_in
        for k in range(1, self.arch.h + 1):
            if self.prefix[k].rank < d0:
                return k
        return None

    @property
    def k2(self) -> int:
        for k in range(1, self.arch.h + 1):
            if self.prefix[k].rank == self.rank:
                return k
        return self.arch.h

    def layer_ranks(self) -> list[int]:
        return [d.rank for d in self.layers]

    def prefix_ranks(self) -> list[int]:
        return [d.rank for d in self.prefix]

    def suffix_ranks(self) -> list[int]:
        return [d.rank for d in self.suffix]

    def W_less(self, i: int) -> RankDecision:
        """Rank decision of ``W_{<i}`` (i = 1..h+1)."""
        return self.prefix[i - 1]

    def W_greater(self, i: int) -> RankDecision:
        """Rank decision of ``W_{>i}`` (i = 0..h)."""
        return self.suffix[i]

    def to_dict(self) -> dict:
        return {
            "widths": list(self.arch.widths),
            "r": self.r,
            "rank": self.rank,
            "degenerate": self.degenerate,
            "ambiguous": self.ambiguous,
            "k1": self.k1,
            "k2": self.k2,
            "layer_ranks": self.layer_ranks(),
            "prefix_ranks": self.prefix_ranks(),
            "suffix_ranks": self.suffix_ranks(),
            "layers": [d.to_dict() for d in self.layers],
            "prefix": [d.to_dict() for d in self.prefix],
            "suffix": [d.to_dict() for d in self.suffix],
            "end_to_end": self.end_to_end.to_dict(),
        }


def rank_profile(
    theta: Sequence[np.ndarray], rtol: float | None = None, arch: Architecture | None = None
) -> RankProfile:
    """Numerical ranks of every ``W_i``, ``W_{<i}``, ``W_{>i}`` and ``W`` with their evidence.

    Products are ranked with :func:`dlnscape.linalg.numerical_rank`, with an extra absolute cut
    at the rounding level of the computed product (see ``dlnscape.linalg.product_rank``).
    """
    theta, arch = point_and_arch(theta, arch)
    h = arch.h
    P = prefix_products(theta)
    S = suffix_products(theta)
    layers = tuple(numerical_rank(W, rtol) for W in theta)
    prefix = tuple(product_rank(P[k], theta[:k], rtol) for k in range(h + 1))
    suffix = tuple(product_rank(S[k], theta[k:], rtol) for k in range(h + 1))
    W = P[h]
    return RankProfile(arch, layers, prefix, suffix, product_rank(W, theta, rtol))
