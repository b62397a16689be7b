"""Figures (matplotlib, Agg) and Markdown/JSON reports of experiments."""

from dlnscape.report.figures import table2_bubble_plot
from dlnscape.report.table2 import table2_markdown, write_table2_outputs

__all__: list[str] = ["table2_bubble_plot", "table2_markdown", "write_table2_outputs"]
