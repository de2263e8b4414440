"""JSON Schemas from Python type hints and docstrings, for tools served by the engine.

Supported: ``str``, ``int``, ``float``, ``bool``, ``None``, ``bytes`` (base64, MCP's encoding
of binary data), ``list[T]``, ``tuple[...]``, ``set[T]``, ``dict[str, T]``, ``Optional[T]`` and
unions, ``Literal[...]``, ``Enum`` subclasses, ``TypedDict`` (``total``, ``Required``,
``NotRequired``), dataclasses, ``Annotated[T, "description"]``, and ``Any``. Parameter
descriptions come from the docstring's ``Args:`` section (Google style) or ``:param x:`` lines.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import types
import typing
from typing import Any, Callable, Optional, Union

from .results import Binary

from typing import is_typeddict

# Required and NotRequired are 3.11's; on 3.10 a TypedDict's ``total`` still says what is required.
_MARKERS = tuple(getattr(typing, name) for name in ("Required", "NotRequired") if hasattr(typing, name))

JsonSchema = dict[str, Any]

_PRIMITIVES: dict[Any, JsonSchema] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    bytes: {"type": "string", "contentEncoding": "base64"},
    bytearray: {"type": "string", "contentEncoding": "base64"},
    memoryview: {"type": "string", "contentEncoding": "base64"},
    Any: {},
    object: {},
}


def schema_of(hint: Any, defs: Optional[dict[str, JsonSchema]] = None) -> JsonSchema:
    """The JSON Schema of one type hint."""
    if hint in _PRIMITIVES:
        return dict(_PRIMITIVES[hint])
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    schema: JsonSchema
    if origin is typing.Annotated:
        schema = schema_of(args[0], defs)
        for extra in args[1:]:
            if isinstance(extra, str):
                schema["description"] = extra
        return schema
    if origin is Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        options = [a for a in args if a is not type(None)]
        nullable = len(options) < len(args)
        if len(options) == 1:
            inner = schema_of(options[0], defs)
            return {"anyOf": [inner, {"type": "null"}]} if nullable else inner
        schemas = [schema_of(a, defs) for a in options]
        if nullable:
            schemas.append({"type": "null"})
        return {"anyOf": schemas}
    if origin is typing.Literal:
        values = list(args)
        schema = {"enum": values}
        kinds = {type(v) for v in values}
        if len(kinds) == 1 and next(iter(kinds)) in (str, int, bool):
            schema["type"] = _PRIMITIVES[next(iter(kinds))]["type"]
        return schema
    if origin in (list, typing.Sequence, set, frozenset) or hint in (list, set, frozenset):
        schema = {"type": "array"}
        if args:
            schema["items"] = schema_of(args[0], defs)
        if origin in (set, frozenset):
            schema["uniqueItems"] = True
        return schema
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": schema_of(args[0], defs)}
        return {"type": "array", "prefixItems": [schema_of(a, defs) for a in args], "minItems": len(args), "maxItems": len(args)}
    if origin in (dict, typing.Mapping) or hint is dict:
        schema = {"type": "object"}
        if len(args) == 2:
            schema["additionalProperties"] = schema_of(args[1], defs)
        return schema
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"enum": [member.value for member in hint]}
    if is_typeddict(hint):
        return _typeddict_schema(hint, defs)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _dataclass_schema(hint, defs)
    raise TypeError(f"mcp_core cannot describe the type {hint!r} as JSON Schema")


def _typeddict_schema(hint: Any, defs: Optional[dict[str, JsonSchema]]) -> JsonSchema:
    hints = typing.get_type_hints(hint, include_extras=True)
    required_keys = getattr(hint, "__required_keys__", frozenset(hints))
    properties: dict[str, JsonSchema] = {}
    for key, value in hints.items():
        if _MARKERS and typing.get_origin(value) in _MARKERS:
            value = typing.get_args(value)[0]
        properties[key] = schema_of(value, defs)
    schema: JsonSchema = {"type": "object", "properties": properties}
    required = [key for key in hints if key in required_keys]
    if required:
        schema["required"] = required
    if hint.__doc__ and hint.__doc__ is not dict.__doc__:
        schema["description"] = inspect.cleandoc(hint.__doc__).split("\n\n")[0]
    return schema


def _dataclass_schema(hint: type, defs: Optional[dict[str, JsonSchema]]) -> JsonSchema:
    hints = typing.get_type_hints(hint, include_extras=True)
    properties: dict[str, JsonSchema] = {}
    required: list[str] = []
    for field in dataclasses.fields(hint):
        schema = schema_of(hints.get(field.name, Any), defs)
        if field.default is not dataclasses.MISSING:
            schema["default"] = _jsonable(field.default)
        elif field.default_factory is dataclasses.MISSING:
            required.append(field.name)
        properties[field.name] = schema
    out: JsonSchema = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    doc = hint.__doc__
    if doc and not doc.startswith(f"{hint.__name__}("):
        out["description"] = inspect.cleandoc(doc).split("\n\n")[0]
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return None


_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Return|Raises|Yields|Examples?|Notes?)\s*:\s*$")
_ARG_LINE = re.compile(r"^\s*(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_PARAM_LINE = re.compile(r"^\s*:param\s+(?:[\w\[\], ]+\s+)?(\w+)\s*:\s*(.*)$")


def parse_docstring(doc: Optional[str]) -> tuple[Optional[str], dict[str, str]]:
    """The description (the text before any section) and each parameter's description."""
    if not doc:
        return None, {}
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section: Optional[str] = None
    current: Optional[str] = None
    for line in lines:
        heading = _SECTION.match(line)
        if heading:
            section = heading.group(1).lower()
            current = None
            continue
        param = _PARAM_LINE.match(line)
        if param:
            current = param.group(1)
            params[current] = param.group(2).strip()
            section = "args"
            continue
        if section is None:
            summary.append(line)
        elif section in ("args", "arguments", "parameters"):
            arg = _ARG_LINE.match(line)
            if arg and (len(line) - len(line.lstrip())) <= 4:
                current = arg.group(1).lstrip("*")
                params[current] = arg.group(2).strip()
            elif current is not None and line.strip():
                params[current] = f"{params[current]} {line.strip()}".strip()
    description = "\n".join(summary).strip() or None
    return description, params


def input_schema(function: Callable[..., Any], skip: Callable[[Any], bool]) -> tuple[JsonSchema, dict[str, Any], Optional[str]]:
    """The input schema of a function's parameters (those ``skip`` does not take), their hints,
    and the function's description."""
    signature = inspect.signature(function)
    hints = typing.get_type_hints(function, include_extras=True)
    description, docs = parse_docstring(function.__doc__)
    properties: dict[str, JsonSchema] = {}
    required: list[str] = []
    kept: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        hint = hints.get(name, Any)
        if skip(hint):
            continue
        schema = schema_of(hint)
        if name in docs and "description" not in schema:
            schema["description"] = docs[name]
        if parameter.default is not parameter.empty:
            default = _jsonable(parameter.default)
            if default is not None or parameter.default is None:
                schema["default"] = default
        else:
            required.append(name)
        properties[name] = schema
        kept[name] = hint
    out: JsonSchema = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out, kept, description


def output_schema(function: Callable[..., Any]) -> Optional[JsonSchema]:
    """An output schema when the function returns a TypedDict or a dataclass (structured results)."""
    hint = typing.get_type_hints(function, include_extras=True).get("return")
    if hint is None:
        return None
    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    if hint is Binary:
        return None
    if is_typeddict(hint) or (dataclasses.is_dataclass(hint) and isinstance(hint, type)):
        return schema_of(hint)
    return None


def convert(value: Any, hint: Any) -> Any:
    """An argument as JSON gave it, made into what the hint asks for (bytes, dataclasses, enums)."""
    if value is None or hint is Any:
        return value
    if hint in (bytes, bytearray, memoryview) and isinstance(value, str):
        import base64

        # validate: characters outside the alphabet are refused, not skipped (b64decode's default).
        return base64.b64decode(value, validate=True)
    if hint is int and isinstance(value, float) and value.is_integer():
        # JSON has one number type: an integer past 2**53 reaches Python as 1.2e+22.
        return int(value)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return convert(value, args[0])
    if origin is Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        options = [a for a in args if a is not type(None)]
        return convert(value, options[0]) if len(options) == 1 else value
    if origin in (list, typing.Sequence) and args and isinstance(value, list):
        return [convert(v, args[0]) for v in value]
    if origin in (set, frozenset) and isinstance(value, list):
        return origin(convert(v, args[0]) for v in value) if args else origin(value)
    if origin is tuple and isinstance(value, list):
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(convert(v, args[0]) for v in value)
        return tuple(convert(v, a) for v, a in zip(value, args))
    if origin in (dict, typing.Mapping) and len(args) == 2 and isinstance(value, dict):
        return {k: convert(v, args[1]) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type) and isinstance(value, dict):
        field_hints = typing.get_type_hints(hint)
        # Keys that are no field are left out, as unknown arguments are (the schema allows them).
        names = {field.name for field in dataclasses.fields(hint) if field.init}
        return hint(**{k: convert(v, field_hints.get(k, Any)) for k, v in value.items() if k in names})
    if is_typeddict(hint) and isinstance(value, dict):
        field_hints = typing.get_type_hints(hint)
        return {k: convert(v, field_hints.get(k, Any)) for k, v in value.items()}
    return value
