"""What the quick atlas says about every ID that claims/seed_003.py decides (one file per
seed module, so that checks of different seeds are added independently)."""

A, D, N = "agrees", "certified_disagreement", "not_checkable"

EXPECTED = {
    "T-003-Prop1": D, "T-003-Cor1": A, "check-50": D,
    "T-003-Eq1": A,
}
