"""The experiment engine (config → pure tasks → runner → SQLite store → report) and the
built-in Table 2 experiment of Trager et al. 2020 (``run_table2``, a wrapper over the engine).
"""

from dlnscape.experiments.config import ExperimentConfig, config_from_dict, load_config
from dlnscape.experiments.engine import RunReport, run_experiment, run_in_memory
from dlnscape.experiments.families import FAMILY_NAMES
from dlnscape.experiments.report import export, write_report
from dlnscape.experiments.runners import RUNNERS, make_runner
from dlnscape.experiments.store import Store
from dlnscape.experiments.table2 import (
    PUBLISHED_TABLE2,
    GTest,
    InstanceResult,
    PublishedSummary,
    Table2Result,
    draw_instance,
    g_test_against_published,
    published_table2_summary,
    run_table2,
    tabulate,
)

__all__: list[str] = [
    "ExperimentConfig",
    "FAMILY_NAMES",
    "RUNNERS",
    "RunReport",
    "Store",
    "config_from_dict",
    "export",
    "load_config",
    "make_runner",
    "run_experiment",
    "run_in_memory",
    "write_report",
    "GTest",
    "InstanceResult",
    "PUBLISHED_TABLE2",
    "PublishedSummary",
    "Table2Result",
    "draw_instance",
    "g_test_against_published",
    "published_table2_summary",
    "run_table2",
    "tabulate",
]
