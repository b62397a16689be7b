"""What the quick atlas says about every ID that claims/seed_002.py decides (one file per
seed module, so that checks of different seeds are added independently)."""

A, D, N = "agrees", "certified_disagreement", "not_checkable"

EXPECTED = {
    "T-002-Cor2.4": A, "check-40": A, "check-41": A, "check-42": D,
    "check-49": D,
    "T-002-Thm2.3": A, "check-39": A,
}
