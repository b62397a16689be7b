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
    "T-001-Ex2": A, "T-001-Ex3": A, "T-001-Obs1": A, "check-34": A,
    "T-001-LemB13": A, "check-26": A,
    "T-001-LemB14": A, "T-001-LemB15": A, "T-001-LemB16": A,
    "T-001-LemB17": A, "check-27": A,
    "T-001-PropB18": A,
    "T-001-Sec3-Perturbation": D, "check-25": D,
    "T-001-Thm8": A, "check-29": A,
    "T-001-Cor9": A, "check-30": A,
    "T-001-LemC19": A, "check-35": A,
    "T-001-Lem6": A, "check-33": A,
    "T-001-Sec4": D,
    "T-001-Defs": A,
    "T-001-Eq4": A,
    "T-001-Lem11": A, "check-32": A,
    "check-82": A,
}
