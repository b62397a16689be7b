"""The atlas: every result of the five seed texts, checked by one registry.

``dlnscape.claims`` holds one module per seed (``seed_000`` … ``seed_004``), each with an
explicit ``CHECKS`` list of :class:`~dlnscape.claims.base.Check` objects keyed by the IDs of
the catalog of the texts' claims (``src/dlnscape/data/catalog.json``, extracted by
``scripts/extract_catalog.py``), optional ``NOT_CHECKABLE`` reasons and the ``VERIFIERS`` that
re-check recomputation certificates. :func:`build_registry` validates them against the
catalog; :func:`run_atlas` runs them (serially, in a process pool or on a Dask cluster);
``dlnscape.report.atlas`` writes the report.

Adding a check (5 lines in the seed module)::

    @claim("T-004-Prop7", quick={"n": 5}, full={"n": 100})
    def prop7_stationary_on_Me(ctx, n):
        rows = [...]                                  # compute on ctx.rng() instances
        return agrees("W is stationary on M_e at every critical point", numbers={"n": n})

and ``prop7_stationary_on_Me`` appended to ``CHECKS``.
"""

from dlnscape.claims.base import (
    Certificate,
    Check,
    ClaimResult,
    Context,
    Figure,
    Inconclusive,
    Outcome,
    Status,
    agrees,
    claim,
    disagrees,
)
from dlnscape.claims.registry import Catalog, Registry, build_registry, load_catalog
from dlnscape.claims.runner import AtlasRun, execute_check, run_atlas

__all__ = [
    "AtlasRun",
    "Catalog",
    "Certificate",
    "Check",
    "ClaimResult",
    "Context",
    "Figure",
    "Inconclusive",
    "Outcome",
    "Registry",
    "Status",
    "agrees",
    "build_registry",
    "claim",
    "disagrees",
    "execute_check",
    "load_catalog",
    "run_atlas",
]
