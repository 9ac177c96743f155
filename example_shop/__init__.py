"""A small demo shop that hosts flask-order-messages exactly as any Flask shop would.

Run it with ``make demo``, or ``FLASK_APP=example_shop.app:create_app flask run``.
"""
