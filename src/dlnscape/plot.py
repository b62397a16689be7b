"""Figures for slides and papers: matplotlib (Agg), PNG files written atomically.

``escape(landscape, certificate, path)`` — the loss along an escape certificate's curve, and the
decrease against the distance on log-log axes; ``hessian_spectrum(eigenvalues, path)`` — sorted
Hessian eigenvalues with the negative ones highlighted; ``table2(counts, path)`` — the Figure 3
bubble plot of Trager et al. 2020.
"""

from dlnscape.report.figures import escape_plot as escape
from dlnscape.report.figures import hessian_spectrum_plot as hessian_spectrum
from dlnscape.report.figures import table2_bubble_plot as table2

__all__ = ["escape", "hessian_spectrum", "table2"]
