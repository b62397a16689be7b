"""Parametrizations F of the loss's argument: the :class:`Parametrization` protocol and one
module per model of the seeds (linear, normalized, residual, one hidden layer, pyramidal,
Kawaguchi's path model), with their global minimizers and correspondences."""

from dlnscape.models.activations import Activation, ActivationError, activation
from dlnscape.models.base import DeterminantalImage, ModelScale, ParameterLayout, Parametrization
from dlnscape.models.linear import LinearNetwork
from dlnscape.models.minimizers import deep_linear_global_minimizer, residual_global_minimizer
from dlnscape.models.normalized import NormalizedLinearNetwork, absorb_norms, normalize_point
from dlnscape.models.one_hidden import OneHiddenLayerNetwork, one_hidden_global_minimizer
from dlnscape.models.path import KawaguchiPathModel, check_corollary_3_2
from dlnscape.models.pyramidal import PyramidalNetwork, lemma6
from dlnscape.models.residual import ResidualLinearNetwork

__all__ = [
    "Activation",
    "ActivationError",
    "DeterminantalImage",
    "KawaguchiPathModel",
    "LinearNetwork",
    "ModelScale",
    "NormalizedLinearNetwork",
    "OneHiddenLayerNetwork",
    "ParameterLayout",
    "Parametrization",
    "PyramidalNetwork",
    "ResidualLinearNetwork",
    "absorb_norms",
    "activation",
    "check_corollary_3_2",
    "deep_linear_global_minimizer",
    "lemma6",
    "normalize_point",
    "one_hidden_global_minimizer",
    "residual_global_minimizer",
]
