"""What the recipe browser tests share: a recipe app served on a free port, logging in and
out through the recipe's own pages, and an axe-core check of a page."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .conftest import LiveShop, _quiet_handler

#: The WCAG rules axe checks (A and AA, 2.0 and 2.1).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: WCAG 2.2 A and AA (axe-core 4.5+ has the 2.2 rules).
AXE_TAGS_22 = [*AXE_TAGS, "wcag22a", "wcag22aa"]


def recipe_config(tmp_path: Path) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.sqlite'}",
        "SECRET_KEY": "browser-tests-secret",
        "ORDER_MESSAGES_POLL_INTERVAL": 1,
        "MAIL_SUPPRESS_SEND": True,
        "ORDER_MESSAGES_ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
    }


@contextmanager
def serve(app: Any, db: Any) -> Iterator[LiveShop]:
    """``app``, seeded with its ``flask seed``, on 127.0.0.1; fails on any 5xx it answered."""
    from werkzeug.serving import make_server

    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    errors: list[str] = []
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_quiet_handler(errors))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="recipe", daemon=True
    )
    thread.start()
    try:
        yield LiveShop(
            app=app, base_url=f"http://127.0.0.1:{server.server_port}", server_errors=errors
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()
    assert not errors, f"the shop answered with server errors: {errors}"


def axe_violations(
    page: Any, disable: tuple[str, ...] = (), tags: Sequence[str] = AXE_TAGS
) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it is now, one line each
    (``disable``: rules the page cannot pass for markup the recipe does not own; ``tags``: the
    rule sets, e.g. :data:`AXE_TAGS_22` for WCAG 2.2 AA).  Run once the page has loaded: an
    action that navigates returns when the new page commits, and axe on a page whose style
    sheet was still on the way found unstyled links too small to touch."""
    page.wait_for_load_state("load")
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        message = "axe-playwright-python is missing: pip install -e '.[dev]'"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    results = Axe().run(page, options=options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
    ]
