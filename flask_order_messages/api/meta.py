"""The API's description of itself: the OpenAPI document, made from the code."""

from __future__ import annotations

from flask import Response, json, request

from .openapi import document
from .registry import ENDPOINTS, ROUTES, Route


def openapi_json() -> Response:
    """``GET /api/openapi.json``: public (it names routes, never data)."""
    prefix = request.path.removesuffix(OPENAPI_RULE)
    body = json.dumps(document(prefix), sort_keys=True)
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


OPENAPI_RULE = "/api/openapi.json"
ROUTES.append(
    Route(
        endpoint="api_openapi",
        method="GET",
        rule=OPENAPI_RULE,
        view=openapi_json,
        summary="This document (OpenAPI 3.1)",
        tag="meta",
        side="anyone",
    )
)
ENDPOINTS.add("order_messages.api_openapi")
