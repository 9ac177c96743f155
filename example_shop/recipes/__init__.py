"""Ready recipes: small runnable shops built on popular Flask auth and admin packages.

* :mod:`.security_shop` - users, roles and login from Flask-Security-Too.
* :mod:`.admin_shop` - an admin area built with Flask-Admin.

Each has ``create_app()`` and a ``seed`` command; see ``README.md`` beside this file.
"""
