"""Experiment configs: schema errors name the key, the expectation and the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import custom_toml, write_config
from typer.testing import CliRunner

from dlnscape.cli import app
from dlnscape.errors import SpecError
from dlnscape.experiments.config import config_from_dict, load_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _err(tmp_path, text: str) -> str:
    with pytest.raises(SpecError) as e:
        load_config(write_config(tmp_path, text))
    return str(e.value)


GOOD = """family = "table1"
seed = 0
output = "out"

[instances]
count = 2
starts = 3

[optimizer]
method = "gd"

[params]
architectures = [[3, 1, 3]]
losses = ["squared"]
"""


def test_good_config_and_paths_relative_to_the_file(tmp_path):
    cfg = load_config(write_config(tmp_path, GOOD))
    assert cfg.family == "table1" and cfg.instances.count == 2 and cfg.instances.starts == 3
    assert cfg.output == tmp_path / "out"
    assert cfg.params.architectures == [[3, 1, 3]]
    assert cfg.analyses == ("classify",)  # the family's default
    assert len(cfg.config_hash) == 16


@pytest.mark.parametrize("old, new, expected", [
    ("count = 2", "count = 0", ["exp.toml:6:", "instances.count", "greater than or equal to 1",
                                "got 0"]),
    ("count = 2", 'count = "2"', ["exp.toml:6:", "instances.count", "valid integer"]),
    ("starts = 3", "starts = 3\nbogus = 1", ["exp.toml:8:", "instances.bogus", "unknown key",
                                            "count, starts"]),
    ('method = "gd"', 'method = "adam"', ["exp.toml:10:", "optimizer.method", "'gd'", "adam"]),
    ("seed = 0", "seed = -3", ["exp.toml:2:", "seed", "greater than or equal to 0"]),
    ('losses = ["squared"]', 'losses = ["squared", "hinge"]',
     ["exp.toml:14:", "params.losses[1]", "hinge"]),
    ("architectures = [[3, 1, 3]]", "architectures = [[3, 1, 3], [3, 0]]",
     ["exp.toml:13:", "params.architectures[1]", "positive integer"]),
    ('losses = ["squared"]', 'losses = ["squared"]\nwidth = 3',
     ["exp.toml:15:", "params.width", "unknown key", "architectures"]),
    ('family = "table1"', 'family = "tabel1"', ["exp.toml:1:", "family", "table1", "tabel1"]),
    ("seed = 0\n", "", ["seed", "missing required key"]),
    ("[optimizer]", "[optimiser]", ["exp.toml:9:", "optimiser", "unknown key", "optimizer"]),
])
def test_schema_errors_name_key_expectation_and_line(tmp_path, old, new, expected):
    assert old in GOOD
    msg = _err(tmp_path, GOOD.replace(old, new, 1))
    for piece in expected:
        assert piece in msg, (piece, msg)


def test_section_a_family_does_not_take(tmp_path):
    text = 'family = "table2"\nseed = 0\n[instances]\ncount = 3\n[optimizer]\nmethod = "gd"\n'
    msg = _err(tmp_path, text)
    assert "exp.toml:5:" in msg and "optimizer" in msg and "table2" in msg
    msg = _err(tmp_path, 'family = "table1"\nseed = 0\n')
    assert "instances" in msg and "missing" in msg


def test_toml_syntax_error_gives_the_line(tmp_path):
    msg = _err(tmp_path, 'family = "custom"\nseed = 1\n[instances\ncount = 2\n')
    assert "not valid TOML" in msg and "line 3" in msg


def test_references_are_imported_never_evaluated(tmp_path):
    base = custom_toml(tmp_path / "o")
    msg = _err(tmp_path, base.replace('"engine_helpers:make_instance"',
                                      '"__import__(\'os\').system(\'true\')"'))
    assert "params.generator" in msg and "module:function" in msg
    text = base.replace('"engine_helpers:make_instance"', '"no_such_mod:f"')
    msg = _err(tmp_path, text)
    assert "params.generator" in msg and "cannot import module 'no_such_mod'" in msg
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("generator"))
    assert f"exp.toml:{line}:" in msg
    msg = _err(tmp_path, base.replace('"engine_helpers:analyse"', '"engine_helpers:nothing"'))
    assert "params.analysis" in msg and "no attribute 'nothing'" in msg
    msg = _err(tmp_path, base.replace('"engine_helpers:analyse"', '"engine_helpers:HERE"'))
    assert "not callable" in msg
    # an unknown extra analysis name in a built-in family
    msg = _err(tmp_path, GOOD.replace('seed = 0', 'seed = 0\nanalyses = ["classify", "hess"]'))
    assert "analyses[1]" in msg and "hess" in msg


def test_hash_covers_results_not_output_or_name(tmp_path):
    a = load_config(write_config(tmp_path, GOOD))
    b = load_config(write_config(tmp_path, GOOD.replace('output = "out"',
                                                        'output = "elsewhere"\nname = "x"'),
                                 "b.toml"))
    c = load_config(write_config(tmp_path, GOOD.replace("count = 2", "count = 3"), "c.toml"))
    assert a.config_hash == b.config_hash != c.config_hash
    # the python_path of a custom config is machine-specific: not hashed
    d1 = load_config(write_config(tmp_path, custom_toml(tmp_path / "o"), "d1.toml"))
    other = tmp_path / "sub"
    other.mkdir()
    d2 = config_from_dict({**_custom_dict(d1), "params": {
        **_custom_dict(d1)["params"], "python_path": [str(Path(__file__).parent), str(other)]}})
    assert d1.config_hash == d2.config_hash


def _custom_dict(cfg) -> dict:
    d = cfg.to_dict()
    d.pop("base_dir")
    return {k: v for k, v in d.items() if v is not None}


def test_every_example_config_validates():
    names = sorted(p.stem for p in EXAMPLES.glob("*.toml"))
    assert {"table2", "custom", "table1"} <= set(names)
    for p in EXAMPLES.glob("*.toml"):
        cfg = load_config(p)
        assert cfg.family == p.stem and cfg.output is not None


def test_cli_bad_config_one_line_error_exit_2(tmp_path):
    p = write_config(tmp_path, GOOD.replace("count = 2", "count = -1"))
    res = CliRunner().invoke(app, ["experiment", "run", str(p), "--runner", "serial"])
    assert res.exit_code == 2
    assert "error:" in res.output and "instances.count" in res.output
    assert "Traceback" not in res.output
    res = CliRunner().invoke(app, ["experiment", "run", str(tmp_path / "none.toml")])
    assert res.exit_code == 2 and "no such file" in res.output
    res = CliRunner().invoke(app, ["experiment", "run", str(write_config(tmp_path, GOOD)),
                                   "--runner", "threads"])
    assert res.exit_code == 2 and "runner" in res.output
    res = CliRunner().invoke(app, ["experiment", "status", str(tmp_path / "nothing")])
    assert res.exit_code == 2 and "no experiment store" in res.output
