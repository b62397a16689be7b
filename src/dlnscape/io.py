"""Results on disk: JSON conversion of result objects, and atomic writes (temp file, rename).

Every file a command writes goes through :func:`write_atomic` (JSON: :func:`write_json_atomic`,
which stamps ``dlnscape_version`` and ``schema_version``). A path the user gave is checked
first by :func:`check_output_path` — its parent must exist and be writable, a file target must
not be a directory — so that a bad ``-o`` is one clear error *before* any computation, and
never silently creates directories.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

import numpy as np

from dlnscape.errors import OutputError

#: version of the layout of the JSON files dlnscape writes (``schema_version`` in each);
#: raised when a field is renamed or removed, not when one is added
JSON_SCHEMA_VERSION = 1


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dlnscape")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        import dlnscape

        return dlnscape.__version__


def _probe_directory(d: Path) -> str | None:
    """None when a file can be created in the existing directory ``d``, else why not (the
    permission bits say nothing for root or on /proc, so a temporary file is really made)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".dlnscape-probe-", suffix=".tmp")
    except OSError as e:
        return e.strerror or str(e)
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)
    return None


def check_output_path(path: str | Path, option: str,
                      kind: Literal["file", "directory"] = "file") -> Path:
    """``path`` as a :class:`~pathlib.Path` after checking that dlnscape can write it; an
    :class:`OutputError` ``"{option} {path}: cannot write there (why)"`` otherwise.

    ``kind="file"``: the parent directory exists and is writable, and ``path`` is not a
    directory. ``kind="directory"`` (an output folder): ``path`` is an existing writable
    directory, or does not exist and its parent is an existing writable directory (only the
    last component is created, by the writer)."""
    if isinstance(path, str) and not path.strip():
        raise OutputError(f"{option}: expected a path, got an empty string")
    p = Path(path)

    def fail(why: str) -> OutputError:
        return OutputError(f"{option} {p}: cannot write there ({why})")

    if kind == "directory" and p.is_dir():
        why = _probe_directory(p)
        if why is not None:
            raise fail(f"no file can be created in it: {why}")
        return p
    if p.is_dir():
        raise fail("it is a directory; give a file name")
    if kind == "directory" and p.exists():
        raise fail("it is a file, expected a directory")
    parent = p.parent
    if not parent.exists():
        raise fail(f"the directory {parent} does not exist; create it first")
    if not parent.is_dir():
        raise fail(f"{parent} is not a directory")
    why = _probe_directory(parent)
    if why is not None:
        raise fail(f"no file can be created in {parent}: {why}")
    if p.exists() and not os.access(p, os.W_OK):
        raise fail(os.strerror(errno.EACCES))
    return p


def to_jsonable(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if np.isfinite(f) else str(f)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def write_atomic(path: str | Path, text: str | bytes, *, option: str | None = None) -> Path:
    """Write to a temp file in the same directory, fsync, then rename: never half-written.
    The file gets mode 0644 (``mkstemp`` creates 0600), readable by everyone like any output.

    ``option`` names the user's argument the path came from (``"-o"``, ``"--plot"``): the path
    is then checked by :func:`check_output_path` (no directory is created) and a failure is an
    :class:`OutputError` naming it. Without ``option`` (files inside an output folder that was
    checked) missing parent directories are created."""
    path = Path(path)
    if option is not None:
        check_output_path(path, option)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(text, bytes) else "w"
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"{option or 'output'} {path}: cannot write there "
                          f"({e.strerror or e})") from None
    try:
        with os.fdopen(fd, mode) as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def versioned(obj: Any) -> Any:
    """``obj`` as JSON-ready data; a mapping gets ``dlnscape_version`` and ``schema_version``
    (:data:`JSON_SCHEMA_VERSION`) in front, so every JSON file says what wrote it."""
    data = to_jsonable(obj)
    if isinstance(data, dict):
        data = {"dlnscape_version": _package_version(), "schema_version": JSON_SCHEMA_VERSION,
                **data}  # a result that carries its own versions keeps them
    return data


def json_text(obj: Any) -> str:
    """``obj`` as the indented JSON text dlnscape prints (``--json``) and writes: stamped by
    :func:`versioned`, so that a printed result and its file are the same document."""
    return json.dumps(versioned(obj), indent=2)


def write_json_atomic(path: str | Path, obj: Any, *, option: str | None = None) -> Path:
    """:func:`write_atomic` of :func:`json_text` of ``obj``."""
    return write_atomic(path, json_text(obj), option=option)
