"""The seed texts' own formulas and proof machinery, in their own conventions, one module per
seed (``hofflin`` = 000, ``nouiehed_razaviyayn`` = 001, ``kawaguchi`` = 002, ``zhou_liang`` = 003,
``trager`` = 004). Each function cites its catalog ID (``T-002-Lem4.2``); the tests compare each
formula with the package's own oracles, and a disagreement is a finding, reported with its
instance."""

from dlnscape.texts import hofflin, kawaguchi, nouiehed_razaviyayn, trager, zhou_liang

__all__ = ["hofflin", "kawaguchi", "nouiehed_razaviyayn", "trager", "zhou_liang"]
