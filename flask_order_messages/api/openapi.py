"""The OpenAPI 3.1 document, built from :data:`.registry.ROUTES` and the pydantic models
(their JSON Schemas are 2020-12, OpenAPI 3.1's own dialect): never written by hand."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .links import links_of
from .problems import MIMETYPE, PROBLEMS, TYPE_BASE
from .registry import ROUTES, Route
from .schemas import Problem

REF = "#/components/schemas/{model}"
#: Every route that needs a caller may answer these (no login, no right, database down).
COMMON_ERRORS = {401, 403, 503}
DESCRIPTIONS = {
    200: "Done.",
    201: "Created.",
    202: "Accepted: it is sent after the commit.",
    204: "Done; nothing to answer.",
}
FORMS = ("application/x-www-form-urlencoded",)


def _path(prefix: str, rule: str) -> str:
    return prefix + re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def _schemas() -> tuple[dict[Any, Any], dict[str, Any]]:
    models: list[tuple[type[BaseModel], Any]] = [(Problem, "serialization")]
    for r in ROUTES:
        for model, mode in ((r.query, "validation"), (r.body, "validation")):
            if model is not None:
                models.append((model, mode))
        if r.response is not None:
            models.append((r.response, "serialization"))
    unique = list(dict.fromkeys(models))
    refs, top = models_json_schema(unique, ref_template=REF)
    return dict(refs), dict(top.get("$defs", {}))


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[Any]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema["properties"].items():
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in prop.items() if k != "description"},
        }
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def _problem_responses(route: Route) -> dict[str, Any]:
    codes = set(route.errors)
    if route.side != "anyone":
        codes |= COMMON_ERRORS
    if route.write:
        codes.add(400)  # "csrf": a session's write without its CSRF token
    out = {}
    for code in sorted(codes):
        slugs = [slug for slug, (status, _) in PROBLEMS.items() if status == code]
        out[str(code)] = {
            "description": "Problem Details; type is one of: "
            + ", ".join(TYPE_BASE + s for s in slugs),
            "content": {MIMETYPE: {"schema": {"$ref": REF.format(model="Problem")}}},
        }
    return out


def _request_body(route: Route, ref: Any) -> dict[str, Any]:
    content = {"application/json": {"schema": ref}}
    for form in FORMS:
        content[form] = {"schema": ref}
    if route.files:
        content["multipart/form-data"] = {
            "schema": {
                "allOf": [ref],
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "contentMediaType": "application/octet-stream"},
                    }
                },
            }
        }
    return {"required": False, "content": content}


def _operation(route: Route, refs: dict[Any, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": route.endpoint,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in route.path_params
        ],
    }
    if route.query is not None:
        op["parameters"] += _query_parameters(route.query, refs)
    if route.body is not None:
        op["requestBody"] = _request_body(route, refs[(route.body, "validation")])
    ok: dict[str, Any] = {"description": DESCRIPTIONS.get(route.status, "Done.")}
    if route.response is not None:
        ok["content"] = {"application/json": {"schema": refs[(route.response, "serialization")]}}
    elif route.binary:  # a file, as it was uploaded
        ok["content"] = {"*/*": {"schema": {"type": "string", "contentMediaType": "*/*"}}}
    elif route.status != 204:  # the document itself
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    if links := links_of(route.endpoint):
        ok["links"] = links
    op["responses"] = {str(route.status): ok, **_problem_responses(route)}
    if route.side == "anyone":
        op["security"] = []
    elif route.write:
        op["security"] = [{"session": [], "csrf": []}, {"token": ["write"]}]
    else:
        op["security"] = [{"session": []}, {"token": ["read"]}]
    return op


def document(prefix: str) -> dict[str, Any]:
    """The whole document, for the blueprint mounted at ``prefix``."""
    refs, schemas = _schemas()
    paths: dict[str, Any] = {}
    for r in ROUTES:
        paths.setdefault(_path(prefix, r.rule), {})[r.method.lower()] = _operation(r, refs)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Order messages API",
            "version": "1",
            "description": "Threads between shop staff and customers. Errors are RFC 9457 "
            "Problem Details (application/problem+json).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token (omt_...), scope read or write.",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The shop's own login session (the browser).",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRFToken",
                    "description": "With the session, every write carries the CSRF token.",
                },
            },
        },
        "tags": [
            {"name": name}
            for name in ("staff", "customer", "team", "canned", "questions", "webhooks", "meta")
        ],
    }
