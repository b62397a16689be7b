"""Function-space critical points: Eckart–Young with indices, global minima, lifting."""

from dlnscape.functional.eckart_young import (
    EckartYoungResult,
    EYCriticalPoint,
    FreeSubspace,
    SingularCluster,
    count_critical_components,
    eckart_young_critical_point,
    eckart_young_critical_points,
    eckart_young_escape_path,
    singular_clusters,
    thm12_index,
)
from dlnscape.functional.global_minimum import (
    GlobalMinimum,
    GlobalMinimumReport,
    global_minimum,
    global_minimum_report,
)
from dlnscape.functional.lift import SubsetCriticalPoint, critical_point_from_subset, lift
from dlnscape.functional.squared import (
    FunctionSpaceCriticalPoints,
    FunctionSpacePoint,
    function_space_critical_point,
    function_space_critical_points,
    squared_loss_critical_points,
)

__all__: list[str] = [
    "EYCriticalPoint",
    "EckartYoungResult",
    "FreeSubspace",
    "FunctionSpaceCriticalPoints",
    "FunctionSpacePoint",
    "GlobalMinimum",
    "GlobalMinimumReport",
    "SingularCluster",
    "SubsetCriticalPoint",
    "count_critical_components",
    "critical_point_from_subset",
    "eckart_young_critical_point",
    "eckart_young_critical_points",
    "eckart_young_escape_path",
    "function_space_critical_point",
    "function_space_critical_points",
    "global_minimum",
    "global_minimum_report",
    "lift",
    "singular_clusters",
    "squared_loss_critical_points",
    "thm12_index",
]
