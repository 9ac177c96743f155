"""The live question page's JSON: its new entries after ``?after=<id>``, as an order's thread
has them (``views/api.py``), for the customer who asked and for staff.  A question the caller
may not see -- made up, malformed, another customer's, another vendor's -- is the same JSON
404."""

from __future__ import annotations

from flask import Blueprint, Response

from .. import services
from ..i18n import gettext as _
from ..services import questions
from ..services.thread_view import thread_view
from .api import _fail, _user, entries_json, staff_reader


def _question_entries(thread_id: str, actor: services.Actor) -> Response:
    thread = questions.get_question(thread_id, actor)
    if thread is None:
        _fail(404, _("No such question."))
    state = questions.question_state(thread, actor)
    return entries_json(thread_view(None, actor, state=state), actor)


def staff_question_entries(thread_id: str) -> Response:
    """New entries of a question, for staff who may read it; marks them read."""
    return _question_entries(thread_id, staff_reader())


def customer_question_entries(thread_id: str) -> Response:
    """The same for the customer who asked."""
    return _question_entries(thread_id, services.customer_actor(_user()))


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/api/admin/questions/<thread_id>/entries",
        "api_staff_question_entries",
        staff_question_entries,
    )
    bp.add_url_rule(
        "/api/questions/<thread_id>/entries",
        "api_customer_question_entries",
        customer_question_entries,
    )
