"""A client generated from the document walks the customer's and the staff's flows against
the app served over HTTP: no hand-written call, so what the document says (paths, methods,
parameters, bodies, answers) is what a real integration gets.

The client is openapi-python-client's (docs/api.md says why), generated at test time from
``/order-messages/api/openapi.json`` into a temporary folder, once per test process."""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from werkzeug.serving import make_server

from .api_fuzz_support import DOC, Scene, fuzz_app, seed

PACKAGE = "order_messages_client"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Scene]]:
    """The test host, seeded, served on 127.0.0.1 on a free port (a thread); its base URL."""
    with fuzz_app(tmp_path) as app:
        scene = seed()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", scene
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The client package, generated from the document the app serves."""
    import json

    from .conftest import make_app

    folder = tmp_path_factory.mktemp("client")
    app = make_app(folder, SERVER_NAME=None)
    document = app.test_client().get(DOC).get_json()
    (folder / "openapi.json").write_text(json.dumps(_json_bodies(document)))
    # No post hooks: the generator would run ruff over the package (slower, and not needed).
    (folder / "config.yml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    (folder / "out").mkdir()  # the generator makes the package's folder, not its parent
    command = [sys.executable, "-m", "openapi_python_client", "generate"]
    command += ["--path", str(folder / "openapi.json"), "--config", str(folder / "config.yml")]
    command += ["--meta", "none", "--output-path", str(folder / "out" / PACKAGE)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(folder / "out"))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder / "out"))


def _json_bodies(document: dict[str, Any]) -> dict[str, Any]:
    """The document with JSON request bodies only (and files as octet streams).  The
    generator makes one function per operation and cannot choose among a body's media
    types: given JSON, a form and multipart with one schema, it encodes the body all three
    ways at once (0.24 sends it as multipart with no boundary, which no server can read).
    An integration in Python sends JSON."""
    for item in document["paths"].values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media_type in [m for m in content if m != "application/json"]:
                del content[media_type]
            # An attachment's answer is the file, of its own type (``*/*``): the generator
            # knows a download only as application/octet-stream.
            for answer in operation.get("responses", {}).values():
                files = answer.get("content", {})
                if "*/*" in files:
                    del files["*/*"]
                    files["application/octet-stream"] = {
                        "schema": {"type": "string", "format": "binary"}
                    }
    return document


def _op(package: ModuleType, tag: str, operation: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{tag}.{operation}")


class Calls:
    """The generated operations, called as one actor: ``calls.staff.api_staff_threads(...)``
    is ``api/staff/api_staff_threads.py``'s ``sync_detailed``, checked to answer ``expect``."""

    def __init__(self, package: ModuleType, base_url: str, token: str) -> None:
        self.package = package
        self.client = package.AuthenticatedClient(
            base_url=base_url, token=token, raise_on_unexpected_status=True
        )
        self.models = importlib.import_module(f"{package.__name__}.models")

    def __call__(self, tag: str, operation: str, *args: Any, expect: int = 200, **kw: Any) -> Any:
        response = _op(self.package, tag, operation).sync_detailed(*args, client=self.client, **kw)
        assert response.status_code == expect, (operation, response.status_code, response.content)
        return response.parsed

    def close(self) -> None:
        self.client.get_httpx_client().close()


def test_the_customer_and_staff_flows_through_a_generated_client(served, generated) -> None:
    base_url, scene = served
    carol = Calls(generated, base_url, scene.carol_token)
    ann = Calls(generated, base_url, scene.staff_token)
    m = carol.models
    first, second = scene.carol_orders
    try:
        # -- the customer: her threads, a message about her second order, a dispute ----------
        mine = carol("customer", "api_customer_threads")
        assert [t.order_id for t in mine.threads] == [first]
        assert mine.unread_total == 1  # the staff's answer
        posted = carol(
            "customer",
            "api_customer_post",
            second,
            body=m.MessageIn(body="Can I change the colour?"),
            expect=201,
        )
        assert posted.entry.body == "Can I change the colour?" and posted.entry.mine
        thread = carol("customer", "api_customer_thread", first)
        bodies = [e.body for e in thread.entries]
        assert bodies == ["Where is my parcel?", "It left this morning."]  # no staff note
        carol("customer", "api_customer_thread_read", first)
        opened = carol(
            "customer",
            "api_customer_dispute_open",
            first,
            body=m.DisputeOpenIn(reason="It never came."),
        )
        assert opened.dispute.open_ and opened.dispute.reason == "It never came."
        counts = carol("customer", "api_customer_counts")
        assert (counts.unread_threads, counts.open_disputes) == (0, 1)

        # -- staff: the unread list, reading, a reply, a note, the team inbox ----------------
        before = ann("staff", "api_staff_counts")
        unread = ann("staff", "api_staff_threads", filter_=m.ApiStaffThreadsFilter.UNREAD)
        unread_orders = {t.order_id for t in unread.threads}
        assert {first, second} <= unread_orders
        staff_view = ann("staff", "api_staff_thread", first)
        assert scene.note in [e.body for e in staff_view.entries]
        assert staff_view.dispute is not None and staff_view.dispute.open_
        ann("staff", "api_staff_thread_read", first)
        after_reading = ann("staff", "api_staff_counts")
        assert after_reading.unread_threads == before.unread_threads - 1
        newest = staff_view.entries[-1].id
        reply = m.MessageIn(body="Sorry! A new one is on its way.", seen_id=newest)
        ann("staff", "api_staff_post", first, body=reply, expect=201)
        note = m.MessageIn(body="Second parcel sent, tracking 42.", kind=m.MessageInKind.NOTE)
        ann("staff", "api_staff_post", first, body=note, expect=201)
        assigned = ann("team", "api_staff_assign", first, body=m.AssignIn(assignee="me"))
        assert assigned.changed == 1
        closed = ann(
            "team", "api_staff_status", first, body=m.StatusIn(status=m.StatusInStatus.CLOSED)
        )
        assert closed.changed == 1
        settled = ann(
            "staff", "api_staff_dispute_close", first, body=m.DisputeCloseIn(note="Resent.")
        )
        assert not settled.dispute.open_
        marked = ann(
            "staff",
            "api_staff_mark",
            body=m.MarkIn(action=m.MarkInAction.UNREAD, thread_ids=scene.carol_threads),
        )
        assert marked.changed == 1
        assert ann("staff", "api_staff_counts").unread_threads == before.unread_threads
        ann("staff", "api_staff_thread_unread", first)
        ann("staff", "api_staff_thread_read", first)
        assert ann("staff", "api_staff_counts").unread_threads == before.unread_threads - 1

        # -- staff: canned replies --------------------------------------------------------
        empty = ann("canned", "api_staff_canned_list")
        assert empty.replies == [] and "customer_first_name" in empty.placeholders
        made = ann(
            "canned",
            "api_staff_canned_create",
            body=m.CannedIn(title="Resent", body="A new parcel is coming, {customer_first_name}."),
            expect=201,
        )
        changed = ann(
            "canned",
            "api_staff_canned_update",
            str(made.id),
            body=m.CannedIn(title="Resent", body="We sent a new parcel."),
        )
        assert changed.body == "We sent a new parcel."
        listed = ann("canned", "api_staff_canned_list")
        assert [(r.id, r.title) for r in listed.replies] == [(made.id, "Resent")]
        ann("canned", "api_staff_canned_delete", str(made.id), expect=204)
        assert ann("canned", "api_staff_canned_list").replies == []

        # -- what the customer sees now: the reply, not the notes; the dispute closed --------
        seen = carol("customer", "api_customer_thread", first)
        texts = [e.body for e in seen.entries if e.kind == "message"]
        assert texts[-1] == "Sorry! A new one is on its way."
        assert all(e.kind != "note" for e in seen.entries)
        assert "tracking 42" not in str(seen.to_dict()) and scene.note not in str(seen.to_dict())
        assert seen.dispute is None and not seen.disputes[0].open_
        now = carol("customer", "api_customer_counts")
        assert (now.unread_threads, now.open_disputes) == (1, 0)
        # ... and another customer's order is as unknown to her as a made-up one.
        other = carol("customer", "api_customer_thread", scene.dave_orders[0], expect=404)
        made_up = carol("customer", "api_customer_thread", "987654321", expect=404)
        assert other.to_dict() == made_up.to_dict()
    finally:
        carol.close()
        ann.close()
