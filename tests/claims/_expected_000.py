"""What the quick atlas says about every ID that claims/seed_000.py decides (one file per
seed module, so that checks of different seeds are added independently)."""

A, D, N = "agrees", "certified_disagreement", "not_checkable"

EXPECTED = {
    "T-000-Sec3.2-CE": A, "check-2": A, "check-3": A,
    "T-000-AppA": A, "check-8": A,
    "T-000-Thm3.1": D, "check-4": D, "check-5": A,
    "T-000-Claim3.3": D, "check-6": D, "check-7": D,
    "T-000-Thm3.2": D, "check-9": A,
    "T-000-Cor3.1": A, "T-000-Lem3.2": A, "check-10": A,
    "T-000-Prop2.2": A, "check-11": A,
    "T-000-Thm3.5": A, "T-001-Prop4": A, "check-13": A,
    "T-000-Cor3.2": D, "check-14": D,
    "T-000-Fact-rankAB": A, "check-15": A,
    "T-000-Claim3.1": A, "check-16": A,
    "T-000-Thm3.3": D, "T-000-Thm3.4": D,
    "T-000-Def2.1": D,
    "T-000-Def2.2": A,
    "T-000-Def2.3": A,
    "T-000-Claim3.2": A, "T-000-Prop3.1": D,
    "T-000-Lem3.1": A, "check-1": A,
    "T-000-Prop2.1": A,
    "T-000-Thm2.2": A, "T-000-Thm2.3": A, "check-83": A,
    "check-12": A,
    "check-81": D,
}
