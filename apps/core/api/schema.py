"""OpenAPI schema post-processing: the error responses every operation can give, documented once.

Every error has one shape, {"code", "detail", ...} (apps.core.api.exception_handler, docs/api.md "Errors"). The
views document their success responses; this hook adds the error statuses that any operation may answer with, so
that a client (and the schema fuzzer in tests/security) finds every status the API returns in the schema.
"""

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": 'An error: a stable machine code, a translated message and, for "invalid_input", the problems '
    "per field. Some errors add context (for example the object's current `status`).",
    "properties": {
        "code": {"type": "string", "description": "Stable machine-readable code."},
        "detail": {"type": "string", "description": "Translated, human-readable message."},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "Problems per field (400 invalid_input only).",
        },
    },
    "required": ["code", "detail"],
    "additionalProperties": {},
}

# Status → description. Every operation may answer these; writes may also conflict with the object's state.
COMMON_ERRORS = {
    "400": "Malformed input (invalid_input lists the problems per field; parse_error).",
    "401": "Not signed in.",
    "403": "Signed in but not allowed.",
    "404": "Does not exist or is outside your scope.",
    "422": "Well-formed but unacceptable input.",
}
WRITE_ERRORS = {
    "409": "The object's state does not allow the action.",
    "413": "The request body is over the size limits (request_too_large).",
}
SAFE_METHODS = {"get", "head", "options"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: the shared Error component and the error statuses it answers."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = dict(COMMON_ERRORS)
            if method not in SAFE_METHODS:
                errors.update(WRITE_ERRORS)
            for status, description in errors.items():
                # An operation's own documentation of a status wins.
                operation["responses"].setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
    return result
