"""Built-in experiment families, in the order the engine lists them.

A family turns a validated config into an ordered list of task keys, runs one task (a pure
function of the config, the task's index and key, and seeds derived from the master seed), and
summarises the finished rows into tables and figures. See :class:`Family`.
"""

from __future__ import annotations

import importlib

from dlnscape.experiments.families.base import Family, Summary, Table, TaskContext

#: name → module holding ``FAMILY`` (imported on first use)
_MODULES = {
    "table2": "dlnscape.experiments.families.table2",
    "custom": "dlnscape.experiments.families.custom",
    "table1": "dlnscape.experiments.families.table1",
    "depth": "dlnscape.experiments.families.depth",
    "lift": "dlnscape.experiments.families.lift",
    "openness": "dlnscape.experiments.families.openness",
}
FAMILY_NAMES: tuple[str, ...] = tuple(_MODULES)


def get_family(name: str) -> Family:
    if name not in _MODULES:
        from dlnscape.errors import SpecError

        raise SpecError(f"family: expected one of {list(FAMILY_NAMES)}, got {name!r}")
    return importlib.import_module(_MODULES[name]).FAMILY


__all__ = ["FAMILY_NAMES", "Family", "Summary", "Table", "TaskContext", "get_family"]
