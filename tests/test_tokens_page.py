"""The staff page of personal access tokens: make one (its secret shown once), see it listed
with its scope, dates and use, revoke it; refusals; another's token out of reach; CSRF; the
CLI's ``--user`` by email."""

from __future__ import annotations

import inspect
import re

import sqlalchemy as sa
from click.testing import CliRunner

from flask_order_messages import access_tokens
from flask_order_messages.extension import current_order_messages as ext

from .api_support import Api, problem
from .conftest import db
from .host_pages import P

PAGE = f"{P}/admin/tokens"


def tokens():
    t = ext.models.AccessToken
    db.session.commit()
    return list(db.session.execute(sa.select(t).order_by(t.id)).scalars())


def test_make_a_token_see_it_once_use_it_and_revoke_it(app, staff, browser):
    browser.login(staff)
    listing = browser.get(f"{P}/admin/messages").get_data(as_text=True)
    assert f'href="{PAGE}"' in listing
    empty = browser.get(PAGE).get_data(as_text=True)
    assert "No tokens yet." in empty and "omt_" not in empty
    made = browser.post(PAGE, {"name": "ERP", "scope": "write", "days": "30"})
    assert made.status_code == 200
    shown = made.get_data(as_text=True)
    secret = re.search(r'value="(omt_[^"]+)"', shown).group(1)
    assert "It is shown only now" in shown
    [token] = tokens()
    assert (token.user_id, token.name, token.scope) == (staff.id, "ERP", "write")
    assert (token.expires_at - token.created_at).days == 30 and token.created_by_id == staff.id
    assert token.token_hash == access_tokens.hash_secret(secret) and secret not in token.prefix

    # It works, once listed it is never shown again, and its use is recorded.
    assert Api(browser.login(None), token=secret).get("/staff/counts").status_code == 200
    browser.login(staff)
    later = browser.get(PAGE).get_data(as_text=True)
    assert secret not in later and "ERP" in later and "Never" not in later
    assert re.search(r"<td>Write</td>.*?Active", later, re.S)

    gone = browser.post(f"{PAGE}/revoke", {"token_id": str(token.id)})
    assert gone.status_code == 303 and "done=revoked" in gone.headers["Location"]
    assert tokens()[0].revoked_at is not None
    after = browser.get(gone.headers["Location"]).get_data(as_text=True)
    assert "The token was revoked" in after and re.search(r"Revoked [A-Z][a-z]{2} \d", after)
    assert 'aria-label="Revoke ERP"' not in after  # nothing left to revoke
    problem(Api(browser.login(None), token=secret).get("/staff/counts"), "invalid-token", 401)


def test_refused_fields_come_back_beside_them_and_save_nothing(app, staff, browser):
    browser.login(staff)
    for data, said in (
        ({"scope": "admin"}, "Unknown scope"),
        ({"scope": "read", "days": "0"}, "from 1 to 3,650 days"),
        ({"scope": "read", "days": "soon"}, "from 1 to 3,650 days"),
        ({"scope": "read", "name": "x" * 121}, "up to 120 characters"),
    ):
        answer = browser.post(PAGE, data)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400, data
        assert said in page and 'aria-invalid="true"' in page and "omt_" not in page, data
    assert tokens() == []


def test_empty_days_last_the_default(app, staff, browser):
    browser.login(staff)
    assert browser.post(PAGE, {"scope": "read"}).status_code == 200
    [token] = tokens()
    assert (token.expires_at - token.created_at).days == access_tokens.DEFAULT_DAYS
    assert token.scope == "read"


def test_another_staff_members_token_is_a_made_up_one(app, staff, staff2, browser):
    theirs = access_tokens.create_token(staff2, scope="write", name="Theirs")
    db.session.commit()
    browser.login(staff)
    page = browser.get(PAGE).get_data(as_text=True)
    assert "Theirs" not in page
    other = browser.post(f"{PAGE}/revoke", {"token_id": str(theirs.token.id)})
    made_up = browser.post(f"{PAGE}/revoke", {"token_id": "987654"})
    assert other.status_code == made_up.status_code == 404
    assert tokens()[0].revoked_at is None


def test_csrf_and_who_may_use_it(app, staff, customer, browser):
    browser.login(staff)
    refused = browser.post(PAGE, {"scope": "read"}, csrf=False)
    assert refused.status_code == 400 and tokens() == []
    browser.login(customer)
    assert browser.get(PAGE).status_code == 403
    assert browser.post(PAGE, {"scope": "read"}).status_code == 403
    assert tokens() == []


_SEPARATE = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}


def test_the_cli_takes_an_email_and_says_how_to_find_a_key(app, customer):
    runner = app.test_cli_runner(**_SEPARATE)
    made = runner.invoke(
        args=["order-messages", "create-token", "--user", "CAROL.customer@example.test"]
        + ["--scope", "read"]
    )
    assert made.exit_code == 0, made.output
    assert made.stdout.strip().startswith("omt_")
    assert [t.user_id for t in tokens()] == [customer.id]
    unknown = runner.invoke(
        args=["order-messages", "create-token", "--user", "nobody@example.test", "--scope", "read"]
    )
    assert unknown.exit_code != 0 and "No one user has the email address" in unknown.stderr
    wrong = runner.invoke(
        args=["order-messages", "create-token", "--user", "999", "--scope", "read"]
    )
    assert wrong.exit_code != 0
    assert "primary key of User (id) or an email address" in wrong.stderr
    assert "Access tokens" in wrong.stderr
