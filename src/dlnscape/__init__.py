"""dlnscape: exact, certified loss-landscape analysis of deep linear networks.

The subpackages (geometry, functional, critical, algebraic) list their public names in
``__all__``; they are re-exported here by the star imports.
"""

from dlnscape import algebraic as _algebraic
from dlnscape import claims, conditions, experiments, plot, texts  # noqa: F401
from dlnscape import conditions as _conditions
from dlnscape import critical as _critical
from dlnscape import functional as _functional
from dlnscape import geometry as _geometry
from dlnscape import models as _models
from dlnscape.algebraic import *  # noqa: F401,F403
from dlnscape.architecture import (
    Architecture,
    check_point,
    end_to_end,
    pack,
    random_point,
    unpack,
)
from dlnscape.conditions import *  # noqa: F401,F403
from dlnscape.critical import *  # noqa: F401,F403
from dlnscape.errors import (
    ArchitectureError,
    DlnscapeError,
    LossError,
    MemoryBudgetError,
    OutputError,
    PointError,
    ShapeError,
    SolverError,
    SpecError,
    ValidationError,
)
from dlnscape.experiments import run_experiment, run_in_memory
from dlnscape.functional import *  # noqa: F401,F403
from dlnscape.geometry import *  # noqa: F401,F403
from dlnscape.landscape import ExtremeEigenvalues, Landscape, hessian_extreme_eigenvalues
from dlnscape.losses import (
    DistanceLoss,
    HuberLoss,
    JaxLoss,
    LinearQuadraticLoss,
    LogisticLoss,
    Loss,
    SquaredLoss,
)
from dlnscape.models import *  # noqa: F401,F403
from dlnscape.regularizers import HadamardL2, Regularizer
from dlnscape.spec import load_spec, spec_from_dict
from dlnscape.tolerances import DEFAULT_TOLERANCES, Tolerances
from dlnscape.validate import check_memory, check_rng, check_seed, check_size

__version__ = "0.1.0"

__all__ = [
    "Architecture",
    "ArchitectureError",
    "DistanceLoss",
    "DlnscapeError",
    "ExtremeEigenvalues",
    "HadamardL2",
    "HuberLoss",
    "JaxLoss",
    "Landscape",
    "LinearQuadraticLoss",
    "LogisticLoss",
    "Loss",
    "LossError",
    "MemoryBudgetError",
    "OutputError",
    "PointError",
    "Regularizer",
    "ShapeError",
    "SolverError",
    "SpecError",
    "SquaredLoss",
    "Tolerances",
    "ValidationError",
    "DEFAULT_TOLERANCES",
    "check_memory",
    "check_point",
    "check_rng",
    "check_seed",
    "check_size",
    "end_to_end",
    "hessian_extreme_eigenvalues",
    "load_spec",
    "spec_from_dict",
    "pack",
    "plot",
    "random_point",
    "unpack",
    *_geometry.__all__,
    *_functional.__all__,
    *_critical.__all__,
    *_algebraic.__all__,
    *_models.__all__,
    *_conditions.__all__,
    "claims",
    "conditions",
    "experiments",
    "run_experiment",
    "run_in_memory",
    "texts",
]
