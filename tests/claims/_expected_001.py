"""What the quick atlas says about every ID that claims/seed_001.py decides (one file per
seed module, so that checks of different seeds are added independently)."""

A, D, N = "agrees", "certified_disagreement", "not_checkable"

EXPECTED = {
    "T-001-Intro-CE": D, "check-17": D,
    "check-19": A,
    "T-001-AppC-CE2": D, "check-20": D,
    "T-001-Thm12": D, "check-18": D,
    "T-001-Thm5": A, "check-21": A, "check-22": A,
    "T-001-Rem1": A, "check-23": A,
    "T-001-Sec2-Ex": A, "check-24": A,
    "T-001-Lem10": A, "check-31": A,
    "T-001-Lem7": A, "check-28": A,
}
