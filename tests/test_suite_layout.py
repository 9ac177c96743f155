"""The suite's own bookkeeping: the modules CI runs on every database exist."""

from __future__ import annotations

from pathlib import Path

from .every_database import MODULES

HERE = Path(__file__).parent


def test_every_module_ci_runs_on_every_database_exists():
    missing = sorted(name for name in MODULES if not (HERE / f"{name}.py").is_file())
    assert missing == [], f"tests/every_database.py names modules that do not exist: {missing}"
