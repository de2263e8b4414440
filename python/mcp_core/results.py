"""What calls return: :class:`ToolResult`, :class:`Binary` payloads, :class:`Progress`, and the
JSON encoding that turns binary arguments into base64 without building Python lists."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any, Callable, Optional

#: The ``_meta`` key under which the engine names a failed upstream and the reason.
UPSTREAM_FAILURE_KEY = "mcp-core/upstreamFailure"


def _error_result(text: str) -> dict[str, Any]:
    """A ``CallToolResult`` reporting a tool execution error (spec: tools, Error Handling)."""
    return {"content": [{"type": "text", "text": text}], "isError": True}


def _b64(value: Any) -> str:
    """Base64 of any buffer-protocol object (bytes, memoryview, numpy arrays, array.array)."""
    try:
        return base64.b64encode(value).decode("ascii")
    except (TypeError, BufferError, ValueError):
        # Not contiguous, or not a flat byte buffer: one copy through memoryview.
        return base64.b64encode(memoryview(value).tobytes()).decode("ascii")


def _default(value: Any) -> Any:
    if isinstance(value, Binary):
        return _b64(value.data)
    try:
        memoryview(value)
    except TypeError:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable") from None
    return _b64(value)


def _dumps() -> Callable[[Any], str]:
    """``JSONEncoder.encode`` with the C encoder made once: the encoder makes it again at every
    call, which costs as much as encoding a small message. NaN and the infinities raise
    ValueError: Python would write them as ``NaN`` and ``Infinity``, which are not JSON, and
    the engine could only drop the line, leaving its request unanswered."""
    c_make_encoder: Optional[Callable[..., Any]] = getattr(json.encoder, "c_make_encoder", None)  # not in the stubs
    if c_make_encoder is None:
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_default, check_circular=False, allow_nan=False).encode
    # (markers, default, encoder, indent, key_separator, item_separator, sort_keys, skipkeys, allow_nan)
    encode = c_make_encoder(None, _default, encode_basestring, None, ":", ",", False, False, False)
    return lambda value: "".join(encode(value, 0))


_encode = _dumps()

#: The largest integer the engine reads as it was written: it reads JSON numbers as JavaScript
#: does, as doubles, which hold every integer up to 2**53 and past it only some.
_EXACT = 2**53
#: A run of digits as long as an integer past :data:`_EXACT` needs (it has 16).
_LONG_DIGITS = re.compile(r"\d{16}")


def dumps(value: Any) -> str:
    """Encodes a message; bytes-like values (the buffer protocol) become base64 strings (MCP's
    encoding of binary data), straight from their buffer. Raises TypeError for what JSON cannot
    carry, ValueError for NaN and the infinities and for an integer past 2**53 (the engine
    would read it as another: 2**53 + 1 as 2**53), RecursionError for a value that contains
    itself. The value is looked through for such integers only when its text has a run of
    digits long enough for one."""
    text = _encode(value)
    if _LONG_DIGITS.search(text) is not None:
        inexact = _inexact_integer(value)
        if inexact is not None:
            raise ValueError(f"the integer {inexact} is past 2**53, where the engine, reading JSON numbers as doubles, would change it: send it as a string")
    return text


def _inexact_integer(value: Any) -> Optional[int]:
    """An integer in ``value`` that a double does not hold for sure, if any (not recursive:
    a value nested thousands deep encodes)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool):
            if not -_EXACT <= item <= _EXACT:
                return item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return None


@dataclass(frozen=True)
class Binary:
    """Binary data with its MIME type: in a result (an image, audio, or a resource's blob) or
    returned by a Python tool. ``bytes(binary)`` gives the data."""

    data: bytes
    mime_type: str = "application/octet-stream"
    #: ``image``, ``audio`` or ``resource`` in a result.
    kind: str = "resource"
    uri: Optional[str] = None

    def __bytes__(self) -> bytes:
        return bytes(self.data)

    def __len__(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Progress:
    """One progress report of a call: ``progress`` of ``total`` (when known), and a message."""

    progress: float
    total: Optional[float] = None
    message: Optional[str] = None


@dataclass(frozen=True)
class ToolInfo:
    """A tool the engine offers: its (namespaced) name, description and input schema; ``raw``
    is the whole definition as MCP lists it (annotations, output schema, ...)."""

    name: str
    description: Optional[str]
    input_schema: dict[str, Any]
    raw: dict[str, Any]

    @property
    def title(self) -> Optional[str]:
        return self.raw.get("title")

    @property
    def annotations(self) -> dict[str, Any]:
        return self.raw.get("annotations") or {}

    @property
    def output_schema(self) -> Optional[dict[str, Any]]:
        return self.raw.get("outputSchema")


class ToolResult:
    """The result of a tool call.

    - ``text``: the text blocks, joined with newlines;
    - ``structured``: ``structuredContent`` (a dict) or None;
    - ``is_error``: the tool reported an error (``isError``);
    - ``content``: every content block, as MCP has them (dicts);
    - ``binary``: images, audio and resource blobs decoded, as :class:`Binary`;
      ``data`` is the first one's bytes (or None);
    - ``meta``: the result's ``_meta``.
    """

    __slots__ = ("name", "raw", "_binary")

    def __init__(self, name: str, raw: dict[str, Any]) -> None:
        self.name = name
        self.raw = raw
        self._binary: Optional[list[Binary]] = None

    @property
    def content(self) -> list[dict[str, Any]]:
        return self.raw.get("content") or []

    @property
    def is_error(self) -> bool:
        return self.raw.get("isError") is True

    @property
    def structured(self) -> Optional[dict[str, Any]]:
        return self.raw.get("structuredContent")

    @property
    def meta(self) -> dict[str, Any]:
        return self.raw.get("_meta") or {}

    @property
    def text(self) -> str:
        content = self.content
        if len(content) == 1:  # the common case, without a generator
            block = content[0]
            text = block.get("text")
            return text if block.get("type") == "text" and isinstance(text, str) else ""
        return "\n".join(block["text"] for block in content if block.get("type") == "text" and isinstance(block.get("text"), str))

    @property
    def binary(self) -> list[Binary]:
        if self._binary is None:
            self._binary = [b for b in (_binary_of(block) for block in self.content) if b is not None]
        return self._binary

    @property
    def data(self) -> Optional[bytes]:
        found = self.binary
        return found[0].data if found else None

    def __repr__(self) -> str:
        return f"ToolResult(name={self.name!r}, is_error={self.is_error}, text={self.text[:60]!r})"


def _binary_of(block: dict[str, Any]) -> Optional[Binary]:
    kind = block.get("type")
    if kind in ("image", "audio") and isinstance(block.get("data"), str):
        return Binary(base64.b64decode(block["data"]), block.get("mimeType") or "application/octet-stream", kind)
    resource = block.get("resource")
    if kind == "resource" and isinstance(resource, dict) and isinstance(resource.get("blob"), str):
        return Binary(base64.b64decode(resource["blob"]), resource.get("mimeType") or "application/octet-stream", "resource", resource.get("uri"))
    return None
