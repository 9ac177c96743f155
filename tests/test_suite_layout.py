"""The suite's own bookkeeping: the modules and tests CI runs on every database exist."""

from __future__ import annotations

import ast
from pathlib import Path

from .every_database import MODULES, ONLY

HERE = Path(__file__).parent


def test_every_module_ci_runs_on_every_database_exists():
    missing = sorted(name for name in MODULES if not (HERE / f"{name}.py").is_file())
    assert missing == [], f"tests/every_database.py names modules that do not exist: {missing}"


def test_every_test_ci_runs_on_every_database_exists():
    missing = []
    for name, tests in ONLY.items():
        tree = ast.parse((HERE / f"{name}.py").read_text())
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        missing += [f"{name}::{test}" for test in tests if test not in defined]
    assert missing == [], f"tests/every_database.py names tests that do not exist: {missing}"
    assert set(ONLY) <= MODULES
