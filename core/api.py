"""JSON API routes: sign-in and role check, CSRF for cookie sessions, pydantic validation,
and the OpenAPI description generated from the same models that validate."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, ValidationError

from core.auth import PUBLIC, check_roles, signed_in_by_token
from core.errors import BadRequest, DomainError
from core.extensions import csrf

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiModel(BaseModel):
    """Request bodies: unknown fields are refused, types are not coerced from other types."""

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryModel(BaseModel):
    """Query strings arrive as text, so these coerce ("50" -> 50) but still refuse unknown names."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class Operation:
    method: str
    roles: frozenset[str]
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    tags: list[str] = field(default_factory=list)


def field_errors(error: ValidationError, *, prefix: str = "") -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "body"
        fields[prefix + name] = item["msg"]
    return fields


def parse_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("A JSON body is required.", code="body_required")
    mimetype = request.mimetype or ""
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise BadRequest("Send the body as application/json.", code="unsupported_media_type")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.", code="malformed_json") from None
    if not isinstance(data, dict):
        raise DomainError(
            "The body must be a JSON object.", fields={"body": "must be an object"}, code="validation_failed"
        )
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise DomainError("Some fields are not valid.", fields=field_errors(error), code="validation_failed") from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise DomainError(
            "Some query parameters are not valid.", fields=field_errors(error), code="validation_failed"
        ) from None


class ApiBlueprint(Blueprint):
    """A blueprint whose routes are declared with `op`: roles, body and query models, response."""

    def op(
        self,
        rule: str,
        method: str,
        *,
        roles: Iterable[str] | frozenset[str],
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        limits: Iterable[Callable[[Callable[..., Any]], Callable[..., Any]]] = (),
    ) -> Callable[..., Any]:
        allowed = roles if roles is PUBLIC else frozenset(roles)
        operation = Operation(
            method=method.upper(),
            roles=allowed,
            summary=summary,
            body=body,
            query=query,
            response=response,
            status=status,
            tags=[self.name],
        )

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(view)
            def wrapper(**view_args: Any) -> Any:
                check_roles(current_user, allowed)
                if allowed is not PUBLIC and request.method not in SAFE_METHODS and not signed_in_by_token():
                    csrf.protect()  # a browser signed in by cookie must prove the page is ours
                if body is not None:
                    view_args["body"] = parse_body(body)
                if query is not None:
                    view_args["query"] = parse_query(query)
                result = view(**view_args)
                return to_response(result, status)

            wrapper.__api_operation__ = operation  # type: ignore[attr-defined]
            registered: Callable[..., Any] = wrapper
            for limit in limits:
                registered = limit(registered)
            registered.__api_operation__ = operation  # type: ignore[attr-defined]
            self.add_url_rule(rule, view.__name__, registered, methods=[operation.method])
            csrf.exempt(registered)  # checked above, only for cookie sessions
            return registered

        return decorator


def to_response(result: Any, default_status: int) -> Response:
    if isinstance(result, Response):
        return result
    status = default_status
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    response = jsonify(result)
    response.status_code = status
    return response


# --- OpenAPI ---------------------------------------------------------------------------------

_RULE_ARG = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")


def _schema(model: Any, components: dict[str, Any]) -> dict[str, Any]:
    if model is None:
        return {}
    if isinstance(model, type) and issubclass(model, BaseModel):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            components[name] = definition
        components[model.__name__] = schema
        return {"$ref": f"#/components/schemas/{model.__name__}"}
    if isinstance(model, list) and model:
        return {"type": "array", "items": _schema(model[0], components)}
    return {}


def openapi_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    components: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        operation: Operation | None = getattr(view, "__api_operation__", None)
        if operation is None:
            continue
        path = _RULE_ARG.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        parameters = [
            {
                "name": m.group("name"),
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if m.group("conv") == "int" else "string"},
            }
            for m in _RULE_ARG.finditer(rule.rule)
        ]
        if operation.query is not None:
            query_schema = operation.query.model_json_schema()
            required = set(query_schema.get("required", []))
            for name, prop in query_schema.get("properties", {}).items():
                parameters.append({"name": name, "in": "query", "required": name in required, "schema": prop})
        entry: dict[str, Any] = {
            "summary": operation.summary,
            "tags": operation.tags,
            "operationId": rule.endpoint.replace(".", "_"),
            "parameters": parameters,
            "responses": {
                str(operation.status): {
                    "description": "Success",
                    "content": {"application/json": {"schema": _schema(operation.response, components)}},
                },
                "default": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
        if operation.roles is not PUBLIC:
            entry["security"] = [{"bearer": []}, {"cookie": []}]
            entry["x-roles"] = sorted(operation.roles)
        if operation.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema(operation.body, components)}},
            }
        paths.setdefault(path, {})[operation.method.lower()] = entry
    components["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Crisis dispatch API", "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
