"""Mutation probe of the certificates (issue 8, item 6): disable one ``verify()`` condition at a
time and re-run the certificate tests; a condition is load-bearing when some test then fails.

Run: ``python benchmarks/mutation_probe.py`` (≈ 5 min). Results:
``benchmarks/results/mutation.json`` and a table on stdout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from dlnscape.io import write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/critical/test_load_bearing.py", "tests/critical/test_soundness.py",
         "tests/critical/test_certificates.py", "tests/critical/test_seed_examples.py",
         "tests/critical/test_find_and_cli.py"]
#: the conditions of EscapeCertificate / LocalMinimumCertificate / GlobalMinimumCertificate /
#: check_verdict, by a text their check names contain
CONDITIONS = [
    "below L(theta) beyond the residual", "(exact rational arithmetic)",
    "distances strictly decrease",
    "distances shrink overall", "lowest non-vanishing Taylor order recomputed (",
    "its coefficient is negative", "stored curvature", "theta is critical",
    "theta is exactly critical", "points lie on the stored curve",
    "Hessian is positive definite", "Riemannian Hessian of l on M_r is positive definite",
    "W is stationary on M_r", "rank W = r", "stored zero threshold", "stored smallest",
    "stored rank and r", "details hold only", "L(theta) equals the global minimum",
    "stored L(theta) matches", "certificates support the verdict",
    "the descent is along negative curvature", "∇²L(θ) has no negative eigenvalue",
    "every escape claims a critical point", "uᵀ∇²L(θ)u is beyond the zero threshold",
    "stored second-order coefficient", "the oracle's minimiser attains",
    "the oracle's minimiser lies in M_r", "stored global minimum value",
]


def main() -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "benchmarks"))
    rows = []
    for cond in CONDITIONS:
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-n", "2",
                            "-p", "_mutation_plugin", *TESTS],
                           cwd=ROOT, env={**env, "DLNSCAPE_MUTATION": cond},
                           capture_output=True, text=True)
        killed = r.returncode != 0
        first = next((ln for ln in r.stdout.splitlines() if ln.startswith("FAILED")), "")
        rows.append({"condition": cond, "killed": killed, "first_failure": first,
                     "seconds": round(time.perf_counter() - t0, 1)})
        print(f"{'killed ' if killed else 'SURVIVED'}  {cond:55s} {first[:90]}", flush=True)
    out = {"tests": TESTS, "rows": rows,
           "killed": sum(r["killed"] for r in rows), "total": len(rows)}
    write_json_atomic(ROOT / "benchmarks" / "results" / "mutation.json", out)
    print(f"{out['killed']}/{out['total']} conditions load-bearing")
    return 0 if out["killed"] == out["total"] else 1


if __name__ == "__main__":
    sys.exit(main())
