"""A shop whose admin area is Flask-Admin; customers log in with Flask-Login.

Run it with ``flask --app example_shop.recipes.admin_shop:create_app seed`` then ``run``.
"""

from .app import create_app

__all__ = ["create_app"]
