"""JSON API routes: sign-in and role check, CSRF for cookie sessions, pydantic validation,
and the OpenAPI description generated from the same models that validate."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, get_args, get_origin

from flask import Blueprint, Flask, Response, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule

from core.auth import PUBLIC, check_roles, signed_in_by_token
from core.errors import BadRequest, DomainError
from core.extensions import csrf
from core.schemas import ID_MAX, ID_MIN, ErrorRead
from core.text import refused_fields

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiModel(BaseModel):
    """Request bodies: unknown fields are refused, types are not coerced from other types."""

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryModel(BaseModel):
    """Query strings arrive as text, so these coerce ("50" -> 50) but still refuse unknown names."""

    model_config = ConfigDict(extra="forbid")


class HeaderModel(BaseModel):
    """Request headers an operation reads, by their HTTP names (aliases); other headers are ignored."""

    model_config = ConfigDict(extra="ignore")


LIST_LIMIT_DEFAULT = 50
LIST_LIMIT_MAX = 500


class ListQuery(QueryModel):
    """The query of every list (CONTRACT "Lists (amended)"): `limit`, 1-500, 50 by default."""

    limit: int = Field(default=LIST_LIMIT_DEFAULT, ge=1, le=LIST_LIMIT_MAX)


# What an op declares it answers: a model, `list[Model]` (a bare JSON array of them), or `dict`
# (any JSON object, for the OpenAPI description itself).
ResponseType = Any


@dataclass
class Operation:
    method: str
    roles: frozenset[str]
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: type[HeaderModel] | None = None
    response: ResponseType = None
    status: int = 200
    # Other answers than `status` and the error body, by status: e.g. 200 for a replayed create.
    responses: dict[int, ResponseType] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    # What a success answers when it is not JSON (e.g. "text/csv"): documented as a string body.
    media_type: str | None = None


def field_errors(error: ValidationError, *, prefix: str = "") -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "body"
        fields[prefix + name] = item["msg"]
    return fields


# Deeper than any body this API takes; a scan of the raw bytes refuses it before a parser recurses
# (3,000 levels made `json.loads` raise RecursionError: a 500).
BODY_DEPTH_MAX = 32


def json_too_deep(raw: bytes, *, limit: int = BODY_DEPTH_MAX) -> bool:
    """Whether a JSON text nests arrays and objects deeper than `limit` (brackets inside strings
    do not count). Does not recurse; well-formedness is the parser's business."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # the usual case: not even that many brackets
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def parse_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("A JSON body is required.", code="body_required")
    mimetype = request.mimetype or ""
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise BadRequest("Send the body as application/json.", code="unsupported_media_type")
    if json_too_deep(raw):
        raise BadRequest(
            f"The body nests deeper than {BODY_DEPTH_MAX} levels.",
            fields={"body": f"must not nest deeper than {BODY_DEPTH_MAX} levels"},
            code="body_too_deep",
        )
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.", code="malformed_json") from None
    if not isinstance(data, dict):
        raise DomainError(
            "The body must be a JSON object.", fields={"body": "must be an object"}, code="validation_failed"
        )
    refused = refused_fields(data)
    if refused:
        raise DomainError("Some fields are not valid.", fields=refused, code="validation_failed")
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise DomainError("Some fields are not valid.", fields=field_errors(error), code="validation_failed") from None


def parse_headers(model: type[HeaderModel]) -> BaseModel:
    names = [info.alias or name for name, info in model.model_fields.items()]
    given = {name: request.headers[name] for name in names if name in request.headers}
    refused = refused_fields(given, free_text=False)
    if refused:
        raise DomainError("Some headers are not valid.", fields=refused, code="validation_failed")
    try:
        return model.model_validate(given)
    except ValidationError as error:
        raise DomainError("Some headers are not valid.", fields=field_errors(error), code="validation_failed") from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    given = request.args.to_dict()
    refused = refused_fields(given, free_text=False)
    if refused:
        raise DomainError("Some query parameters are not valid.", fields=refused, code="validation_failed")
    try:
        return model.model_validate(given)
    except ValidationError as error:
        raise DomainError(
            "Some query parameters are not valid.", fields=field_errors(error), code="validation_failed"
        ) from None


# `<int:incident_id>` in an API rule is a row id: bounded, so an id out of range is a 404, not a
# database error. The same bounds are documented in the OpenAPI description.
_INT_ARG = re.compile(r"<int:(\w+)>")
ID_CONVERTER = f"int(min={ID_MIN}, max={ID_MAX})"


def bounded_ids(rule: str) -> str:
    return _INT_ARG.sub(lambda m: f"<{ID_CONVERTER}:{m.group(1)}>", rule)


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
        headers: type[HeaderModel] | None = None,
        response: ResponseType,
        status: int = 200,
        responses: dict[int, ResponseType] | None = None,
        limits: Iterable[Callable[[Callable[..., Any]], Callable[..., Any]]] = (),
        media_type: str | None = None,
    ) -> Callable[..., Any]:
        if _answers_a_list(response) and (query is None or not issubclass(query, ListQuery)):
            raise TypeError(f"{method} {rule} answers a list: its query must be a ListQuery (it takes `limit`)")
        allowed = roles if roles is PUBLIC else frozenset(roles)
        operation = Operation(
            method=method.upper(),
            roles=allowed,
            summary=summary,
            body=body,
            query=query,
            headers=headers,
            response=response,
            status=status,
            responses=dict(responses or {}),
            tags=[self.name],
            media_type=media_type,
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
                if headers is not None:
                    view_args["headers"] = parse_headers(headers)
                result = view(**view_args)
                return to_response(result, status)

            wrapper.__api_operation__ = operation  # type: ignore[attr-defined]
            registered: Callable[..., Any] = wrapper
            for limit in limits:
                registered = limit(registered)
            registered.__api_operation__ = operation  # type: ignore[attr-defined]
            self.add_url_rule(bounded_ids(rule), view.__name__, registered, methods=[operation.method])
            csrf.exempt(registered)  # checked above, only for cookie sessions
            return registered

        return decorator


def _answers_a_list(declared: ResponseType) -> bool:
    if get_origin(declared) is list:
        return True
    if isinstance(declared, type) and issubclass(declared, RootModel):
        return get_origin(declared.model_fields["root"].annotation) is list
    return False


def to_json(result: Any) -> Any:
    """A response model as JSON data; a list of them as a bare array."""
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [to_json(item) for item in result]
    return result


def to_response(result: Any, default_status: int) -> Response:
    if isinstance(result, Response):
        return result
    status = default_status
    if isinstance(result, tuple):
        result, status = result
    response = jsonify(to_json(result))
    response.status_code = status
    return response


# --- OpenAPI ---------------------------------------------------------------------------------

_RULE_ARG = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_REF = {"$ref": "#/components/schemas/" + ErrorRead.__name__}


def _model_of(declared: ResponseType) -> type[BaseModel] | None:
    if get_origin(declared) is list:
        (declared,) = get_args(declared)
    if isinstance(declared, type) and issubclass(declared, BaseModel):
        return declared
    return None


Schemas = dict[tuple[Any, JsonSchemaMode], dict[str, Any]]


def _schemas(operations: Iterable[Operation]) -> tuple[Schemas, dict[str, Any]]:
    """One JSON schema per model (request bodies in validation mode, answers in serialization
    mode) and the definitions they share (components/schemas)."""
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(ErrorRead, "serialization"): None}
    for operation in operations:
        if operation.body is not None:
            wanted[(operation.body, "validation")] = None
        for declared in [operation.response, *operation.responses.values()]:
            model = _model_of(declared)
            if model is not None:
                wanted[(model, "serialization")] = None
    by_model, definitions = models_json_schema(list(wanted), ref_template=REF_TEMPLATE)
    return dict(by_model), dict(definitions.get("$defs", {}))


def _operations(app: Flask) -> list[tuple[Rule, Operation]]:
    found: list[tuple[Rule, Operation]] = []
    for rule in app.url_map.iter_rules():
        operation = getattr(app.view_functions.get(rule.endpoint), "__api_operation__", None)
        if operation is not None:
            found.append((rule, operation))
    return found


def _response_schema(declared: ResponseType, schemas: Schemas) -> dict[str, Any]:
    model = _model_of(declared)
    if model is None:
        return {"type": "object"} if declared is dict else {}
    schema = schemas[(model, "serialization")]
    return {"type": "array", "items": schema} if get_origin(declared) is list else schema


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document(app: Flask) -> dict[str, Any]:
    operations = _operations(app)
    schemas, components = _schemas(operation for _, operation in operations)
    paths: dict[str, Any] = {}
    for rule, operation in operations:
        path = _RULE_ARG.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        parameters = [
            {
                "name": m.group("name"),
                "in": "path",
                "required": True,
                "schema": (
                    {"type": "integer", "minimum": ID_MIN, "maximum": ID_MAX}
                    if m.group("conv") == "int"
                    else {"type": "string"}
                ),
            }
            for m in _RULE_ARG.finditer(rule.rule)
        ]
        if operation.query is not None:
            query_schema = operation.query.model_json_schema(ref_template=REF_TEMPLATE)
            components.update(query_schema.get("$defs", {}))
            required = set(query_schema.get("required", []))
            for name, prop in query_schema.get("properties", {}).items():
                parameters.append({"name": name, "in": "query", "required": name in required, "schema": prop})
        if operation.headers is not None:
            header_schema = operation.headers.model_json_schema(ref_template=REF_TEMPLATE)
            required = set(header_schema.get("required", []))
            for name, prop in header_schema.get("properties", {}).items():
                parameters.append({"name": name, "in": "header", "required": name in required, "schema": prop})
        if operation.media_type is not None:
            success = {"description": "Success", "content": {operation.media_type: {"schema": {"type": "string"}}}}
        else:
            success = _answer("Success", _response_schema(operation.response, schemas))
        responses = {str(operation.status): success}
        for status, declared in sorted(operation.responses.items()):
            responses[str(status)] = _answer("Also answered", _response_schema(declared, schemas))
        responses["4XX"] = _answer('Refused (CONTRACT "Errors")', ERROR_REF)
        responses["5XX"] = _answer("Failed on the server side", ERROR_REF)
        entry: dict[str, Any] = {
            "summary": operation.summary,
            "tags": operation.tags,
            "operationId": rule.endpoint.replace(".", "_"),
            "parameters": parameters,
            "responses": responses,
        }
        if operation.roles is not PUBLIC:
            entry["security"] = [{"bearer": []}, {"cookie": []}]
            entry["x-roles"] = sorted(operation.roles)
        if operation.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schemas[(operation.body, "validation")]}},
            }
        paths.setdefault(path, {})[operation.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Crisis dispatch API", "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
