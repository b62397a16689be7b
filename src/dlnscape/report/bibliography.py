"""The five source texts ("seed texts" 000 … 004) that dlnscape implements and checks, with
their citation keys — one place for docs/bibliography.md (``python -m
dlnscape.report.bibliography > docs/bibliography.md``; a test checks the file equals it) and for
anything that shows a seed number to a reader; :data:`CITED` lists the other works that
docstrings and README cite.

Every arXiv id, title, author list and venue below was checked against a stored copy of the
arXiv listing, the publisher's page or the seed texts' own reference lists (the sources are named
in the commit that checked them); a detail that could not be checked says so in its entry
("not verified").

The seed numbers survive only as identifiers: catalog IDs (``T-004-Thm12`` = Thm 12 of text
004, ``check-69`` = executable check 69), the atlas's ``--seed-text 000`` and its sections.
"""

from __future__ import annotations

from dataclasses import dataclass


class _Reference:
    """What Paper and Work share: an arXiv link and one bibliography line (fields ``authors``,
    ``title``, ``venue``, ``year``, ``arxiv``)."""

    @property
    def url(self) -> str | None:
        return None if self.arxiv is None else f"https://arxiv.org/abs/{self.arxiv}"

    def reference(self) -> str:
        """One bibliography line: authors, title, venue, year, arXiv id."""
        arx = f" arXiv:{self.arxiv}." if self.arxiv else ""
        return f"{self.authors} ({self.year}). *{self.title}*. {self.venue}.{arx}"


@dataclass(frozen=True)
class Paper(_Reference):
    """One source text and the short key the docs cite it by."""

    seed: str
    key: str
    authors: str
    title: str
    venue: str
    year: int
    arxiv: str | None
    note: str = ""


PAPERS: tuple[Paper, ...] = (
    Paper("000", "Hofflin 2023", "Edmund Hofflin",
          "“Local implies one” for the matrix multiplication lift (a descriptive title: the "
          "report's title page gives none)",
          "Semester project report (MATH-498), Institute of Mathematics, EPFL; supervised by "
          "Nicolas Boumal and Christopher Criscitiello", 2023, None,
          "unpublished report; builds on the lift framework of Levin, Kileel & Boumal "
          "(arXiv:2207.03512)"),
    Paper("001", "Nouiehed & Razaviyayn 2018", "Maher Nouiehed and Meisam Razaviyayn",
          "Learning deep models: critical points and local openness",
          "ICLR 2018 submission (the version read here, under double-blind review); "
          "INFORMS Journal on Optimization 4(2), 2022 (journal version not verified)", 2018,
          "1803.02968"),
    Paper("002", "Kawaguchi 2016", "Kenji Kawaguchi", "Deep learning without poor local minima",
          "Advances in Neural Information Processing Systems 29 (NeurIPS 2016), pp. 586–594",
          2016, "1605.07110"),
    Paper("003", "Zhou & Liang 2018", "Yi Zhou and Yingbin Liang",
          "Characterization of gradient dominance and regularity conditions for neural "
          "networks", "preprint (the version read here: under review for AISTATS 2018)", 2018,
          "1710.06910", "arXiv version first posted in October 2017"),
    Paper("004", "Trager, Kohn & Bruna 2020", "Matthew Trager, Kathlén Kohn and Joan Bruna",
          "Pure and spurious critical points: a geometric study of linear networks",
          "International Conference on Learning Representations (ICLR 2020)", 2020,
          "1910.01671"),
)

BY_SEED = {p.seed: p for p in PAPERS}


@dataclass(frozen=True)
class Work(_Reference):
    """A work that docstrings or README cite (not one of the five source texts)."""

    key: str
    authors: str
    title: str
    venue: str
    year: int
    arxiv: str | None
    cited_for: str


#: the other works cited in docstrings and README, by the key they are cited with
CITED: tuple[Work, ...] = (
    Work("Levin, Kileel & Boumal 2022", "Eitan Levin, Joe Kileel and Nicolas Boumal",
         "The effect of smooth parametrizations on nonconvex optimization landscapes",
         "Mathematical Programming (2025), doi:10.1007/s10107-024-02058-3", 2022,
         "2207.03512", "the lift framework of Hofflin 2023 (dlnscape.geometry.lifts, "
         "dlnscape.critical.order)"),
    Work("Mehta et al. 2022", "Dhagash Mehta, Tianran Chen, Tingting Tang and Jonathan D. "
         "Hauenstein",
         "The loss surface of deep linear networks viewed through the algebraic geometry lens",
         "IEEE Transactions on Pattern Analysis and Machine Intelligence, "
         "doi:10.1109/TPAMI.2021.3071289 (volume and year of the issue not verified)", 2022,
         "1810.07716", "the HadamardL2 regularizer and the weight-space critical point counts "
         "(dlnscape.regularizers, dlnscape.algebraic.weight_space)"),
    Work("Draisma et al. 2016", "Jan Draisma, Emil Horobeţ, Giorgio Ottaviani, Bernd Sturmfels "
         "and Rekha R. Thomas", "The Euclidean distance degree of an algebraic variety",
         "Foundations of Computational Mathematics 16, 99–149, "
         "doi:10.1007/s10208-014-9240-x", 2016, "1309.0049",
         "ED degrees, duality and the Catanese–Trifogli formula (dlnscape.algebraic)"),
    Work("Ottaviani, Spaenlehauer & Sturmfels 2014", "Giorgio Ottaviani, Pierre-Jean "
         "Spaenlehauer and Bernd Sturmfels", "Exact solutions in structured low-rank "
         "approximation", "arXiv preprint, November 2013 (the 2014 journal version that the "
         "docstrings cite is not verified)", 2013, "1311.2376",
         "general ED degrees of M_r with no closed formula (dlnscape.algebraic.ed_formulas)"),
    Work("Catanese–Trifogli", "Catanese and Trifogli (given names and the listing's author "
         "field not verified)", "Focal loci of algebraic varieties I",
         "Communications in Algebra, volume in honour of R. Hartshorne's 60th birthday (“to "
         "appear” on the arXiv listing, May 2000; volume, pages and year not verified)", 2000,
         "math/0005096", "the general ED degree of the rank-one matrices M_1 "
         "(dlnscape.algebraic.ed_formulas)"),
    Work("Duff et al. 2019", "Timothy Duff, Cvetelina Hill, Anders Jensen, Kisun Lee, Anton "
         "Leykin and Jeff Sommars",
         "Solving polynomial systems via homotopy continuation and monodromy",
         "IMA Journal of Numerical Analysis 39(3), from p. 1421", 2019, "1609.08722",
         "the monodromy start systems (dlnscape.algebraic.monodromy)"),
    Work("Hauenstein–Sottile 2012", "Jonathan D. Hauenstein and Frank Sottile",
         "Algorithm 921: alphaCertified: certifying solutions to polynomial systems",
         "ACM Transactions on Mathematical Software (volume not verified)", 2012, "1011.1091",
         "α-theory certificates (dlnscape.algebraic.alpha)"),
)


def cite(seed: str) -> str:
    """The citation key of seed text ``seed`` (``"004"`` → ``"Trager, Kohn & Bruna 2020"``)."""
    return BY_SEED[seed].key


def bibliography_markdown() -> str:
    """docs/bibliography.md."""
    lines = [
        "# Bibliography: the five source texts",
        "",
        "<!-- generated by `python -m dlnscape.report.bibliography > docs/bibliography.md`;"
        " tests/report/test_repository_files.py checks it -->",
        "",
        "dlnscape implements the results of five texts and checks each of their claims (the "
        "atlas, `dlnscape atlas`). Docstrings and README cite them by the keys below with the "
        "result's number, e.g. “Trager, Kohn & Bruna 2020, Thm 12”.",
        "",
        "| seed | key | reference |",
        "|---|---|---|",
    ]
    for p in PAPERS:
        link = f" <{p.url}>" if p.url else ""
        note = f" ({p.note})" if p.note else ""
        lines.append(f"| {p.seed} | {p.key} | {p.reference()}{link}{note} |")
    lines += [
        "",
        "## Other works cited",
        "",
        "Docstrings and README also cite these works, by the keys below.",
        "",
        "| key | reference | cited for |",
        "|---|---|---|",
    ]
    for w in CITED:
        link = f" <{w.url}>" if w.url else ""
        lines.append(f"| {w.key} | {w.reference()}{link} | {w.cited_for} |")
    lines += [
        "",
        "## Seed numbers and catalog IDs",
        "",
        "The numbers 000 … 004 are the texts' identifiers in the catalog of their claims "
        "(`src/dlnscape/data/catalog.json`, one entry per result of each text, extracted by "
        "`scripts/extract_catalog.py`). They appear as identifiers only:",
        "",
        "- catalog IDs: `T-004-Thm12` is Thm 12 of text 004 (Trager, Kohn & Bruna 2020), "
        "`T-000-Def2.1` Def 2.1 of text 000 (Hofflin 2023); `check-69` is executable check 69 "
        "of the catalog (its text names the result it tests);",
        "- a number before a result, as in README's tables and the atlas summaries: “004 Thm 12”"
        " is Trager, Kohn & Bruna 2020, Thm 12, “000 §3.2” Hofflin 2023, §3.2;",
        "- the atlas (`dlnscape atlas --seed-text 000`, its report's sections and README's "
        "counts table): one row or section per text, in the order of the table above;",
        "- the catalog's gaps (“Gaps 1” … ) are numbered notes of the catalog "
        "(`gaps` in catalog.json) on what a computation cannot decide.",
        "",
        "Normalisations differ between the texts: the squared loss carries a ½ in Nouiehed & "
        "Razaviyayn 2018, Kawaguchi 2016 and Zhou & Liang 2018 (`SquaredLoss`), the distance "
        "of Trager, Kohn & Bruna 2020 has none (`DistanceLoss`); compare values only after "
        "converting.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(bibliography_markdown(), end="")
