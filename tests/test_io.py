"""Atomic writes: complete files with mode 0644, nothing left behind on an error."""

from __future__ import annotations

import stat

import pytest

from dlnscape.io import write_atomic, write_json_atomic


def test_written_files_are_complete_and_world_readable(tmp_path):
    p = write_json_atomic(tmp_path / "a" / "x.json", {"v": [1.0, 2.0]})
    assert p.read_text().startswith("{")
    assert stat.S_IMODE(p.stat().st_mode) == 0o644
    q = write_atomic(tmp_path / "y.bin", b"\x00\x01")
    assert stat.S_IMODE(q.stat().st_mode) == 0o644 and q.read_bytes() == b"\x00\x01"


def test_failed_write_leaves_nothing(tmp_path):
    class Boom:
        def __len__(self):
            raise RuntimeError("boom")

    with pytest.raises(TypeError):
        write_atomic(tmp_path / "z.txt", Boom())  # not str/bytes: the write itself fails
    assert list(tmp_path.iterdir()) == []
