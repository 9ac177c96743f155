"""The package's imports point one way: only the package itself imports ``extension``, the
module that imports the views to register them; everything else reads ``state``."""

from __future__ import annotations

import ast
from pathlib import Path

import flask_order_messages

PACKAGE = Path(flask_order_messages.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function, except those imported
    under ``if TYPE_CHECKING:`` (types only, never run)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom):
                base = package
                for _ in range(max(child.level - 1, 0)):
                    base = base.rsplit(".", 1)[0]
                if child.level:
                    target = f"{base}.{child.module}" if child.module else base
                else:
                    target = child.module or ""
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in child.names)
            elif isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_only_the_package_imports_the_extension_module():
    importers = sorted(
        _module_name(path)
        for path in PACKAGE.rglob("*.py")
        if "flask_order_messages.extension" in _imports(path)
    )
    assert importers == ["flask_order_messages"]


def test_the_state_module_is_what_lower_modules_read():
    # The guard above must not pass because it finds nothing: the walker sees these imports.
    assert "flask_order_messages.state" in _imports(PACKAGE / "services" / "posting.py")
    assert "flask_order_messages.views" in _imports(PACKAGE / "extension.py")


def test_the_public_names_still_come_from_the_package():
    from flask_order_messages import current_order_messages
    from flask_order_messages.extension import current_settings
    from flask_order_messages.state import current_order_messages as from_state
    from flask_order_messages.state import current_settings as settings_from_state

    assert current_order_messages is from_state
    assert current_settings is settings_from_state
