"""The browser harness: the example shop on a real port, Debian's Chromium through Playwright.

* ``shop`` is a live example shop with the demo data, served by werkzeug on 127.0.0.1 in a
  background thread.  Seeding takes seconds (password hashing), so it runs once per session
  into a template database; every test gets its own copy of that file and its own server, so
  no test depends on what another one changed.
* ``browse.page(device, user=..., js=...)`` opens a page in a fresh browser context, logged in
  when asked.  ``device`` is "desktop" (1280x800) or "phone" (375x740, mobile, touch).
* ``shots.take(page, step)`` writes ``screenshots/<module>/<test>/<NN>-<label>-<step>.png`` at
  the repo root (git-ignored), so a person can look at every step.

Chromium must be Debian's (``/usr/bin/chromium``, or ``$CHROMIUM``); Playwright never downloads
a browser here.  Missing Chromium skips these tests locally and fails them in CI (``CI=true``).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCREENSHOTS = REPO / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 375, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}

# Demo logins from example_shop/seed.py.
USERS = {
    "admin": ("admin@example.com", "admin123", "Admin Admin"),
    "support": ("support@example.com", "support123", "Sam Support"),
    "carol": ("carol@example.com", "carol123", "Carol Customer"),
    "dan": ("dan@example.com", "dan123", "Dan Dawson"),
    "erin": ("erin@example.com", "erin123", "Erin Evans"),
    # Marketplace mode's (example_shop/seed_marketplace.py): each vendor's staff member.
    "ann": ("ann@acme.example.com", "acme123", "Ann Anvil"),
    "ben": ("ben@bolt.example.com", "bolt123", "Ben Binder"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (``-m 'not browser'`` leaves them out)."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can tell a failed test at teardown."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- Chromium and Playwright ---------------------------------------------------------------


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        message = (
            "Chromium is not installed, so the browser tests cannot run. "
            "Install Debian's Chromium with `apt-get install chromium` (or `make browser`), "
            "or point $CHROMIUM at a Chromium binary."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " In CI these tests must run, never skip.", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        if os.environ.get("CI") == "true":
            pytest.fail("The playwright package is missing: pip install -e '.[dev]'")
        pytest.skip("The playwright package is missing: pip install -e '.[dev]'")
    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        manager.stop()


# --- The live shop -------------------------------------------------------------------------


def _shop_config(db_path: Path) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
        "SECRET_KEY": "browser-tests-secret",
        # Live updates every second, so a test waits a moment, not ten seconds.
        "ORDER_MESSAGES_POLL_INTERVAL": 1,
        # Never talk to a real mail server; the outbox is still written as in production.
        "MAIL_SUPPRESS_SEND": True,
        # Attachment files beside the database file, never in the repository's instance folder.
        "ORDER_MESSAGES_ATTACHMENT_FOLDER": str(db_path.parent / "attachments"),
    }


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shop seeded once (``flask seed``); tests copy this file."""
    from example_shop.app import create_app
    from example_shop.models import db

    path = tmp_path_factory.mktemp("shop-template") / "shop.sqlite"
    app = create_app(_shop_config(path))
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()
    return path


@dataclass
class LiveShop:
    """A running example shop."""

    app: Any
    base_url: str
    server_errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


def _quiet_handler(errors: list[str]) -> type:
    from werkzeug.serving import WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        """No access log on the test output; 5xx answers are remembered to fail the test."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if str(code).isdigit() and int(code) >= 500:
                errors.append(f"{code} {self.command} {self.path}")

        def log(self, type: str, message: str, *args: Any) -> None:
            if type == "error":
                errors.append(message % args)

    return Handler


@contextmanager
def live_shop(
    seeded_database: Path, tmp_path: Path, config: dict[str, Any] | None = None
) -> Iterator[LiveShop]:
    """A fresh copy of the seeded shop (``config``: more settings), served on 127.0.0.1 on a
    free port; fails on any 5xx it answered."""
    from werkzeug.serving import make_server

    from example_shop.app import create_app
    from example_shop.models import db

    path = tmp_path / "shop.sqlite"
    shutil.copyfile(seeded_database, path)
    seeded_files = seeded_database.parent / "attachments"
    if seeded_files.exists():  # the demo's attachment files go with the database
        shutil.copytree(seeded_files, tmp_path / "attachments")
    app = create_app({**_shop_config(path), **(config or {})})
    errors: list[str] = []
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_quiet_handler(errors))
    # A short poll interval: shutdown() waits for it at every test's end.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-shop", daemon=True
    )
    thread.start()
    live = LiveShop(
        app=app, base_url=f"http://127.0.0.1:{server.server_port}", server_errors=errors
    )
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()
    assert not errors, f"the shop answered with server errors: {errors}"


@pytest.fixture
def shop(seeded_database: Path, tmp_path: Path) -> Iterator[LiveShop]:
    """A fresh copy of the seeded shop, served on 127.0.0.1 on a free port."""
    with live_shop(seeded_database, tmp_path) as live:
        yield live


# --- Screenshots -----------------------------------------------------------------------------


class Screenshots:
    """Numbered screenshots of one test's steps."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.labels: dict[int, str] = {}

    def take(self, page: Any, step: str, *, full_page: bool = True) -> Path:
        """The whole page by default; ``full_page=False`` for the window only (a modal
        dialog's backdrop covers only the window, so a whole-page shot looks half-dimmed)."""
        self.count += 1
        label = self.labels.get(id(page), "page")
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{label}-{slug}.png"
        if os.environ.get("SCREENSHOTS") != "0":  # CI keeps no files: it asks for none
            page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Screenshots:
    module = request.node.path.stem
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = SCREENSHOTS / module / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Screenshots(folder)


# --- Pages -----------------------------------------------------------------------------------


class Browse:
    """Opens pages, each in its own browser context (its own cookies), on the live shop."""

    def __init__(self, browser: Any, shop: LiveShop, shots: Screenshots) -> None:
        self.browser = browser
        self.shop = shop
        self.shots = shots
        self.contexts: list[Any] = []
        self.page_errors: list[str] = []

    def page(
        self,
        device: str = "desktop",
        *,
        user: str | None = None,
        js: bool = True,
        label: str | None = None,
    ) -> Any:
        context = self.browser.new_context(
            base_url=self.shop.base_url,
            java_script_enabled=js,
            locale="en-US",
            timezone_id="UTC",
            **DEVICES[device],
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))
        self.shots.labels[id(page)] = label or (f"{user}-{device}" if user else device)
        if user:
            login(page, user)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def login(page: Any, user: str) -> None:
    """Log in through the shop's login form, as a person would."""
    from playwright.sync_api import expect

    email, password, name = USERS[user]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_have_text(f"Welcome back, {name}.")


@pytest.fixture
def browse(
    browser: Any, shop: LiveShop, shots: Screenshots, request: pytest.FixtureRequest
) -> Iterator[Browse]:
    pages = Browse(browser, shop, shots)
    try:
        yield pages
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            for context in pages.contexts:
                for page in context.pages:
                    if not page.is_closed():
                        pages.shots.take(page, "FAILED")
    finally:
        pages.close()
    assert not pages.page_errors, f"JavaScript errors on the pages: {pages.page_errors}"
