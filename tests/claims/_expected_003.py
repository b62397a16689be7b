"""What the quick atlas says about every ID that claims/seed_003.py decides (one file per
seed module, so that checks of different seeds are added independently)."""

A, D, N = "agrees", "certified_disagreement", "not_checkable"

EXPECTED = {
    "T-003-Def-GD": A, "T-003-Def-RC": A,
    "T-003-Eq1": A,
    "T-003-Prop1": D, "T-003-Cor1": A, "check-50": D,
    "T-003-Prop2": A,
    "T-003-Prop3": A,
    "T-003-Eq8/Eq9": A, "T-003-Eq17/Eq18": A, "check-52": A,
    "T-003-Eq11/Eq12": A, "T-003-Eq21/Eq22": A,
    "T-003-Eq14/Eq15": A, "T-003-Eq24": A,
    "T-003-Thm1": A, "check-51": A,
    "T-003-Thm2": A, "check-53": A,
    "T-003-Thm3": A, "check-54": A,
    "T-003-Thm4": A, "T-003-Thm5": A, "T-003-Thm6": A, "check-55": A,
    "T-003-Facts": D,
    "T-003-AppB": A,
    "T-003-Sec3.2-qualitative": A, "check-56": A,
}
