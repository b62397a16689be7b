"""What the quick atlas says about every ID that claims/seed_004.py decides (one file per
seed module, so that checks of different seeds are added independently)."""

A, D, N = "agrees", "certified_disagreement", "not_checkable"

EXPECTED = {
    "T-004-Lem3": A, "check-57": A,
    "T-004-Thm4": A, "check-58": A,
    "T-004-Ex19": A, "check-59": A,
    "T-004-Prop15": A, "check-60": A,
    "T-004-Prop16": D, "check-61": D,
    "T-004-Sec2.2": A,
    "T-004-Eq4/Eq5": A,
    "T-004-Prop17": A, "T-004-Prop18": A,
    "T-004-Thm5": A, "check-62": A, "check-63": A,
    "T-004-A5": A,
    "T-004-Prop6": A, "check-64": A,
    "T-004-Prop7": A,
    "T-004-Cor8": A, "check-65": A,
    "T-004-Def1": A, "T-004-Lem2": A, "check-80": D,
    "T-004-Prop9": A, "check-66": A,
    "T-004-Abstract/Table1": A, "T-004-Prop10": A, "T-004-Rem11": A, "check-67": A,
    "T-004-A1": A, "check-79": A,
    "T-004-Sec3.3-reduction": A, "check-68": A,
    "T-004-Thm12": A, "T-004-Thm30": A, "T-004-Cor29": A, "check-69": A,
    "T-004-Cor33": A, "check-70": A,
    "T-004-A7-Eq15–17": A, "T-004-Lem31/Cor32": A,
    "T-004-Lem34": A,
    "T-004-Thm28": A, "check-71": A,
    "T-004-CT": D, "check-72": D,
    "T-004-Ex13": A, "check-73": A,
    "T-004-Exp1": A, "T-004-Tab2": A, "T-004-Fig3": A, "check-74": A,
    "check-75": A,
    "T-004-Fig2": A, "check-76": A,
    "T-004-A2-ED": A, "check-77": A,
    "T-004-Prop14": A, "check-78": A,
}
