"""What the quick atlas says about every ID that claims/seed_002.py decides (one file per
seed module, so that checks of different seeds are added independently)."""

A, D, N = "agrees", "certified_disagreement", "not_checkable"

EXPECTED = {
    # Thm 2.3, Cor 2.4 and App. C.1
    "T-002-Cor2.4": A, "check-40": A, "check-41": A, "check-42": D,
    "check-49": D,
    "T-002-Thm2.3": A, "check-39": A,
    # §4: Lem 4.1–4.6
    "T-002-Lem4.1": A, "check-36": A,
    "T-002-Lem4.3": A, "check-37": A,
    "T-002-Lem4.2": A, "check-38": A,
    "T-002-Lem4.4": A, "T-002-Cor4.5": A, "T-002-Lem4.6": A, "check-44": A,
    # Thm 2.3 (iv), (i), (iii) and the proof of (ii)
    "check-43": A, "T-002-AppB4": A,
    "T-002-AppB2": A, "check-45": A,
    "T-002-AppB3": A,
    "T-002-Sec4.3/AppB": D,  # the printed M_ptb of Case III does not raise the rank
    # appendices, §2.2, §2.3, §3
    "T-002-AppD": A, "check-46": A,
    "T-002-AppA7": A, "check-48": A,
    "T-002-Cor3.2": A, "check-47": A, "T-002-AppC2/hinge": A,
    "T-002-Sec2.3-remarks": D,  # "the Hessian of L̄ is Lipschitz continuous" is false
    "T-002-Prop2.1": A, "T-002-Conj2.2": A,
}
