"""The API's routes, declared once: each route's method, address, query, body and response
models, the statuses it answers.  The blueprint's URL rules, the request checks and the
OpenAPI document (``openapi.py``) are all made from :data:`ROUTES`, so the document cannot
miss a route, a parameter or a response (a test checks the URL map against it too)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Response, json, request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from ..host_csrf import exempt_from_host_csrf
from ..i18n import gettext as _
from .problems import ApiProblem

#: Where every route of the API lives, under the blueprint's prefix.
BASE = "/api/v1"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Route:
    """One operation of the API."""

    endpoint: str
    method: str
    rule: str
    view: Callable[..., Any]
    summary: str
    tag: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    #: The problem statuses it may answer besides the ones every route may (see openapi.py).
    errors: tuple[int, ...] = ()
    #: Who may call it: "staff", "customer", or "anyone" (the document itself).
    side: str = "staff"
    #: Whether a read-only token is refused (writes need a "write" token).
    write: bool = False
    #: Files may come along (multipart/form-data).
    files: bool = False
    path_params: tuple[str, ...] = field(default=())


ROUTES: list[Route] = []
ENDPOINTS: set[str] = set()


def _endpoint(name: str) -> str:
    return f"order_messages.{name}"


def route(
    method: str,
    rule: str,
    endpoint: str,
    *,
    summary: str,
    tag: str,
    side: str,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    files: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare ``view`` as the operation ``method rule`` (rule relative to :data:`BASE`)."""

    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        import re

        full = BASE + rule
        params = tuple(re.findall(r"<(?:[^:>]+:)?([^>]+)>", full))
        ROUTES.append(
            Route(
                endpoint=endpoint,
                method=method,
                rule=full,
                view=view,
                summary=summary,
                tag=tag,
                query=query,
                body=body,
                response=response,
                status=status,
                errors=errors,
                side=side,
                write=method != "GET",
                files=files,
                path_params=params,
            )
        )
        ENDPOINTS.add(_endpoint(endpoint))
        return view

    return declare


def current_route() -> Route:
    name = (request.endpoint or "").removeprefix("order_messages.")
    return next(r for r in ROUTES if r.endpoint == name)


def _refused(exc: PydanticError, where: str) -> ApiProblem:
    """A pydantic refusal as the "validation" problem: the first field, and every error."""
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]) or where, "detail": e["msg"]}
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    first = errors[0] if errors else {"field": where, "detail": "Invalid."}
    return ApiProblem(
        "validation", f"{first['field']}: {first['detail']}", field=first["field"], errors=errors
    )


def query_of(model: type[M]) -> M:
    """The query string, checked against ``model`` (the route's declared query)."""
    assert current_route().query is model, "query model differs from the route's declaration"
    try:
        return model.model_validate(request.args.to_dict(flat=True))
    except PydanticError as exc:
        raise _refused(exc, "query") from None


def _list_fields(model: type[BaseModel]) -> set[str]:
    found = set()
    for name, info in model.model_fields.items():
        if "list" in str(info.annotation).lower():
            found.add(name)
    return found


def _form_data(model: type[BaseModel]) -> dict[str, Any]:
    """A form's fields as ``model`` takes them: lists for list fields, else one value; empty
    values left out (a form cannot send null)."""
    lists = _list_fields(model)
    data: dict[str, Any] = {}
    for name in model.model_fields:
        if name in lists:
            values = [v for v in request.form.getlist(name) if v != ""]
            if values:
                data[name] = values
        elif request.form.get(name) not in (None, ""):
            data[name] = request.form[name]
    return data


def body_of(model: type[M]) -> M:
    """The request's body (JSON, or a form / multipart form), checked against ``model``."""
    assert current_route().body is model, "body model differs from the route's declaration"
    mimetype = request.mimetype
    if mimetype == "application/json":
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            raise ApiProblem("validation", _("The body must be a JSON object."), field="body")
    elif mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw = _form_data(model)
    elif not mimetype and not request.content_length:
        raw = {}
    else:
        raise ApiProblem(
            "unsupported-media-type",
            _("Send JSON (application/json) or a form, not %(type)s.", type=repr(mimetype)),
        )
    try:
        return model.model_validate(raw)
    except PydanticError as exc:
        raise _refused(exc, "body") from None


def _respond(route_: Route, result: Any) -> Response:
    """The view's model as JSON, checked against the route's declared response."""
    if isinstance(result, Response):
        return result  # the document itself (meta.py)
    if route_.response is None:
        return Response(status=route_.status)
    if not isinstance(result, route_.response):
        raise TypeError(f"{route_.endpoint} returned {type(result).__name__}, not its response")
    body = json.dumps(result.model_dump(mode="json"))
    response = Response(body, status=route_.status, mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _wrapped(route_: Route) -> Callable[..., Any]:
    # An ApiProblem goes on to the blueprint's handler (``problems.handle``): past the unit
    # of work, which is then never committed.
    @functools.wraps(route_.view)
    def run(**path: Any) -> Response:
        return _respond(route_, route_.view(**path))

    return run


def register(bp: Blueprint) -> None:
    """Every declared route on ``bp`` (``committed`` around each, as for every view)."""
    from . import canned, customer, meta, staff, team  # noqa: F401 - they declare the routes

    for r in ROUTES:
        bp.add_url_rule(r.rule, r.endpoint, _wrapped(r), methods=[r.method])
    exempt_from_host_csrf(bp, lambda: [r.view for r in ROUTES])
