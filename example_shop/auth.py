"""Log in with email and password, log out (a POST, like every state change)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from .models import User, db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please log in to see that page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


def safe_next(raw: str | None) -> str | None:
    """A same-site path to go back to after login, never another site."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        return None  # a CR/LF would split the Location header
    return raw


def _home_for(user: User) -> str:
    return url_for("admin.orders") if user.is_staff else url_for("storefront.orders")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or _home_for(current_user))
    error = None
    email = request.form.get("email", "").strip()
    if request.method == "POST":
        user = db.session.scalar(db.select(User).where(db.func.lower(User.email) == email.lower()))
        if user is not None and user.check_password(request.form.get("password", "")):
            login_user(user, remember=bool(request.form.get("remember")))
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(next_url or _home_for(user))
        error = _("Wrong email or password. Please try again.")
    page = render_template("shop/login.html", error=error, email=email, next=next_url or "")
    return page, (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("storefront.home"))
