"""Certified classification of points: verdicts, certificates and their verify()."""

from dlnscape.critical.certificates import (
    CertificateError,
    CheckReport,
    EscapeCertificate,
    GlobalMinimumCertificate,
    LocalMinimumCertificate,
    certificate_from_dict,
)
from dlnscape.critical.classify import (
    VERDICTS,
    Classification,
    ClassifyBudget,
    HessianSummary,
    classify,
)
from dlnscape.critical.escape import EscapeBudget, search_escape
from dlnscape.critical.find import CriticalPointSearch, find_critical_point
from dlnscape.critical.order import CriticalityOrder, criticality_order

__all__: list[str] = [
    "VERDICTS",
    "CertificateError",
    "CheckReport",
    "Classification",
    "ClassifyBudget",
    "CriticalPointSearch",
    "CriticalityOrder",
    "EscapeBudget",
    "EscapeCertificate",
    "GlobalMinimumCertificate",
    "HessianSummary",
    "LocalMinimumCertificate",
    "certificate_from_dict",
    "classify",
    "criticality_order",
    "find_critical_point",
    "search_escape",
]
