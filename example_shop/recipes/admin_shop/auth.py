"""Logging in and out with Flask-Login: one form for customers and staff."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from flask_order_messages.templating import safe_next

from .messaging import order_messages
from .models import User, db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def landing() -> str:
    """Where someone lands after logging in: staff in the admin, customers on their orders."""
    return (
        url_for("admin.index") if order_messages.is_staff(current_user) else url_for("shop.orders")
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).where(User.email == form.email.data))
        if user is not None and user.check_password(form.password.data or ""):
            login_user(user)
            flash(f"Welcome back, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next")) or landing())
        form.password.errors.append("Wrong email or password.")
    return render_template("admin_shop/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """A POST (CSRFProtect checks its token): a link could log people out from another site."""
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("auth.login"))
