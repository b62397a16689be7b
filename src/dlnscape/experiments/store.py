"""The experiment store: SQLite (WAL) in the output directory, one row per finished task.

``DIR/experiment.sqlite`` holds

* ``meta(key, value)``: the config (canonical JSON and the TOML text), its hash, the family,
  the number of tasks, the dlnscape version that created the store, the schema version;
* ``tasks(task_id PRIMARY KEY, key, status, result, error, traceback, seconds, worker,
  config_hash, dlnscape_version, finished_at)``: ``status`` is ``ok`` (``result`` = canonical
  JSON) or ``error`` (``error`` = "Type: message", ``traceback``).

Rows are written only by the process that drives the run, a finished batch in one transaction
(``INSERT OR IGNORE``: a task is never stored twice), so a kill at any moment leaves whole rows
only; the next ``run`` skips them. A store refuses a config with another hash.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dlnscape.errors import DlnscapeError
from dlnscape.experiments.config import ExperimentConfig
from dlnscape.experiments.families.base import Row
from dlnscape.experiments.tasks import Outcome
from dlnscape.report.summary import Summary, summary_html_method, summary_repr, summary_str

STORE_NAME = "experiment.sqlite"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    task_id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    result TEXT,
    error TEXT,
    traceback TEXT,
    seconds REAL NOT NULL,
    worker TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    dlnscape_version TEXT NOT NULL,
    finished_at REAL NOT NULL
);
"""


def _version() -> str:
    from dlnscape import __version__

    return __version__


@dataclass(frozen=True)
class StoreStatus:
    path: str
    family: str
    name: str
    config_hash: str
    n_tasks: int
    done: int
    ok: int
    failed: int
    versions: dict[str, int]
    task_seconds: float
    created_by: str

    @property
    def remaining(self) -> int:
        return self.n_tasks - self.done

    def to_dict(self) -> dict:
        return {**self.__dict__, "remaining": self.remaining}

    def _summary(self) -> Summary:
        return Summary(
            f"StoreStatus: {self.done} of {self.n_tasks} task(s) done ({self.family} "
            f"'{self.name}')",
            (("tasks", self.n_tasks), ("done", self.done), ("ok", self.ok),
             ("failed", self.failed), ("remaining", self.remaining),
             ("task seconds", self.task_seconds), ("versions", self.versions),
             ("path", self.path), ("config hash", self.config_hash)),
            brief=("tasks", "done", "failed", "remaining"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


class Store:
    """An open store (use :meth:`create` to run into it, :meth:`open` to read it)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(cls, directory: str | Path, cfg: ExperimentConfig, n_tasks: int) -> Store:
        """Open ``directory``'s store for a run of ``cfg``, creating it when absent; refuse a
        store made by another config."""
        d = Path(directory)
        if d.exists() and not d.is_dir():
            raise DlnscapeError(f"output: {str(d)!r} exists and is not a directory")
        d.mkdir(parents=True, exist_ok=True)
        path = d / STORE_NAME
        st = cls(path, _connect(path))
        meta = st.meta()
        if not meta:
            st._init_meta(cfg, n_tasks)
        elif meta.get("config_hash") != cfg.config_hash:
            st.close()
            raise DlnscapeError(
                f"output: {str(d)!r} holds results of another config (hash "
                f"{meta.get('config_hash')} ≠ {cfg.config_hash}); choose another output "
                "directory or remove that one")
        return st

    @classmethod
    def open(cls, directory: str | Path) -> Store:
        """Open an existing store for reading (status, report, export)."""
        d = Path(directory)
        path = d / STORE_NAME if d.is_dir() else d
        if not path.is_file():
            raise DlnscapeError(f"DIR: no experiment store in {str(directory)!r} "
                                f"(expected {STORE_NAME})")
        st = cls(path, _connect(path))
        if not st.meta():
            st.close()
            raise DlnscapeError(f"DIR: {str(path)!r} is not an initialised experiment store")
        return st

    def _init_meta(self, cfg: ExperimentConfig, n_tasks: int) -> None:
        items = {
            "schema_version": SCHEMA_VERSION,
            "config_hash": cfg.config_hash,
            "config": json.dumps(cfg.to_dict(), sort_keys=True),
            "config_toml": cfg.source_text or "",
            "config_path": str(cfg.source_path.resolve()) if cfg.source_path else "",
            "family": cfg.family,
            "name": cfg.label,
            "n_tasks": str(n_tasks),
            "created_by": _version(),
            "created_at": str(time.time()),
        }
        with self.conn:
            self.conn.executemany("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                                  list(items.items()))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta"))

    def config_dict(self) -> dict:
        return json.loads(self.meta()["config"])

    def finished_ids(self, include_errors: bool = True) -> set[int]:
        q = "SELECT task_id FROM tasks" + ("" if include_errors else " WHERE status = 'ok'")
        return {r[0] for r in self.conn.execute(q)}

    def rows(self) -> list[Row]:
        out = []
        for tid, key, status, res, err, sec in self.conn.execute(
                "SELECT task_id, key, status, result, error, seconds FROM tasks "
                "ORDER BY task_id"):
            out.append(Row(tid, json.loads(key), status,
                           None if res is None else json.loads(res), err, sec))
        return out

    def raw_rows(self) -> list[tuple]:
        """Every column of every row, ordered by task id."""
        return list(self.conn.execute(
            "SELECT task_id, key, status, result, error, traceback, seconds, worker, "
            "config_hash, dlnscape_version, finished_at FROM tasks ORDER BY task_id"))

    def fingerprint(self) -> list[tuple]:
        """The deterministic content of the store (no timings, workers or clock times): equal
        for every runner and for an interrupted-then-resumed run."""
        return [r[:6] + r[8:10] for r in self.raw_rows()]

    def status(self) -> StoreStatus:
        m = self.meta()
        counts = dict(self.conn.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status"))
        versions = dict(self.conn.execute(
            "SELECT dlnscape_version, COUNT(*) FROM tasks GROUP BY dlnscape_version"))
        secs = self.conn.execute("SELECT COALESCE(SUM(seconds), 0) FROM tasks").fetchone()[0]
        ok, failed = counts.get("ok", 0), counts.get("error", 0)
        return StoreStatus(str(self.path), m.get("family", ""), m.get("name", ""),
                           m.get("config_hash", ""), int(m.get("n_tasks", 0)), ok + failed, ok,
                           failed, versions, float(secs), m.get("created_by", ""))

    def failures(self, limit: int = 20) -> list[tuple[int, str, str]]:
        return list(self.conn.execute(
            "SELECT task_id, error, traceback FROM tasks WHERE status = 'error' "
            "ORDER BY task_id LIMIT ?", (limit,)))

    # ------------------------------------------------------------------ writing
    def write(self, outcomes: Iterable[Outcome], config_hash: str) -> int:
        """Store finished tasks in one transaction; returns how many rows were new."""
        ver = _version()
        now = time.time()
        rows = [(o.task_id, o.key, o.status, o.result, o.error, o.traceback, o.seconds,
                 o.worker, config_hash, ver, now) for o in outcomes]
        if not rows:
            return 0
        with self.conn:
            before = self.conn.total_changes
            self.conn.executemany(
                "INSERT OR IGNORE INTO tasks(task_id, key, status, result, error, traceback, "
                "seconds, worker, config_hash, dlnscape_version, finished_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            return self.conn.total_changes - before

    def forget_failures(self) -> int:
        """Delete the failed rows (``run --retry-failed``) so that they run again."""
        with self.conn:
            return self.conn.execute("DELETE FROM tasks WHERE status = 'error'").rowcount


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(str(path), timeout=30.0, isolation_level="DEFERRED")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError as e:
        raise DlnscapeError(f"DIR: {str(path)!r} is not a usable experiment store ({e})") \
            from None
    return conn
