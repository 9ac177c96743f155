"""The host's CSS classes passed to the partials (``input_class``, ``select_class``) restyle
the controls in a real browser: our stylesheet gives defaults, it does not overrule them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_login import login_user

import flask_order_messages

CSS = Path(flask_order_messages.__file__).parent / "static" / "order_messages.css"
# A host's own form style, as Bootstrap's .form-control / .form-select are: one class each.
HOST_CSS = ".host-input, .host-select { border: 3px solid rgb(1, 2, 3); padding: 9px; }"


def _style(locator: Any) -> list[str]:
    return locator.evaluate(
        "el => { const s = getComputedStyle(el); return [s.borderTopWidth, s.borderTopColor,"
        " s.paddingTop, s.width === '0px' ? 'no width' : 'has width'] }"
    )


def test_the_host_classes_win_over_our_defaults(app, staff, order, browser):
    helpers = app.jinja_env.globals["order_messages"]
    with app.test_request_context("/"):
        login_user(staff)
        panel = str(helpers.staff_panel(order, input_class="host-input"))
        plain = str(helpers.staff_panel(order))
        select = str(helpers.orders_filter("all", select_class="host-select"))
    page = browser.new_page()
    try:
        # Our stylesheet after the host's, as a layout that puts assets() last has it.
        page.set_content(
            f"<style>{HOST_CSS}</style><style>{CSS.read_text()}</style>"
            f'<div id="host">{panel}{select}</div><div id="plain">{plain}</div>'
        )
        host_box = page.locator("#host textarea[name=body]")
        assert _style(host_box) == ["3px", "rgb(1, 2, 3)", "9px", "has width"]
        filter_select = page.locator("#host select[name=messages]")
        assert _style(filter_select) == ["3px", "rgb(1, 2, 3)", "9px", "has width"]
        # The panel's own selects (assignee, status) take the host's input class too.
        assignee = page.locator("#host select[name=assignee]")
        assert _style(assignee) == ["3px", "rgb(1, 2, 3)", "9px", "has width"]
        # Without a host class the reply box keeps our own look.
        ours = _style(page.locator("#plain textarea[name=body]"))
        assert ours[:2] == ["1px", "rgb(140, 149, 159)"]
    finally:
        page.close()
