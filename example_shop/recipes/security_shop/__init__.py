"""A shop whose users, roles and login come from Flask-Security-Too.

Run it with ``flask --app example_shop.recipes.security_shop:create_app seed`` then ``run``.
"""

from .app import create_app

__all__ = ["create_app"]
