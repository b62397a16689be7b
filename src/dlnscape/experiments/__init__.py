"""Built-in experiments (Table 2 of Trager et al. 2020) and the experiment engine."""

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
