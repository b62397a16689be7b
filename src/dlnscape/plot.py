"""Figures for slides and papers: matplotlib (Agg), PNG files written atomically.

``escape(landscape, certificate, path)`` — the loss along an escape certificate's curve, and the
decrease against the distance on log-log axes with the lowest Taylor order's slope anchored at
the point nearest θ; ``hessian_spectrum(eigenvalues, path)`` — sorted Hessian eigenvalues on a
symlog axis, negative ones red, zero ones marked; ``table2(res, path)`` — the Figure 3 bubble
plot of Trager et al. 2020 from what ``run_table2`` returns (or its ``counts``), with the
published table. The ``*_figure`` functions return the matplotlib figure instead of a file.
"""

from dlnscape.report.figures import escape_figure, hessian_spectrum_figure, table2_figure
from dlnscape.report.figures import escape_plot as escape
from dlnscape.report.figures import hessian_spectrum_plot as hessian_spectrum
from dlnscape.report.figures import table2_bubble_plot as table2

__all__ = ["escape", "escape_figure", "hessian_spectrum", "hessian_spectrum_figure", "table2",
           "table2_figure"]
