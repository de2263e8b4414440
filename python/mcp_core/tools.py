"""Python functions as MCP tools, served by the engine.

Decorate a function with :func:`tool`; its input schema comes from its type hints and its
docstring. The engine offers it to its own MCP clients (stdio or HTTP, both protocol eras,
with the whole production kit) and sends every call back here, where it runs concurrently with
the others: async functions as tasks, plain functions in a thread pool.

    import mcp_core

    @mcp_core.tool
    async def forecast(city: str, days: int = 1, ctx: mcp_core.Context = None) -> str:
        \"\"\"Forecast for a city.

        Args:
            city: The city's name.
            days: How many days ahead.
        \"\"\"
        await ctx.report_progress(0, days)
        return f"Sunny in {city}"
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import dataclasses
import enum
import functools
import inspect
import json
import threading
from typing import Any, Callable, Iterable, Iterator, Optional, TypeVar, Union, overload

from . import _schema
from ._pipe import RETURNED_CAPABILITY, Channel, RpcError, describe, in_thread
from .results import Binary, _b64, _error_result

F = TypeVar("F", bound=Callable[..., Any])
PROTOCOL_VERSION = "2025-11-25"


class Context:
    """What a tool function can do while it runs: report progress, learn that the call was
    cancelled, and ask the caller's user (elicitation) or model (sampling).

    Declare a parameter annotated ``mcp_core.Context`` to receive it (it is left out of the
    input schema). Async functions use ``await ctx.elicit(...)``; plain functions, which run in
    a worker thread, use ``ctx.elicit_sync(...)``. An async function is cancelled
    (``asyncio.CancelledError``) when its caller cancels; a plain one sees ``ctx.cancelled``.
    """

    def __init__(self, channel: Channel, loop: asyncio.AbstractEventLoop, tool: str, progress_token: Any) -> None:
        self._channel = channel
        self._loop = loop
        self._progress_token = progress_token
        self._cancelled = threading.Event()
        #: The tool's name.
        self.tool = tool

    @property
    def cancelled(self) -> bool:
        """The caller cancelled this call (or it timed out): stop and return anything."""
        return self._cancelled.is_set()

    def report_progress(self, progress: float, total: Optional[float] = None, message: Optional[str] = None) -> None:
        """Sends ``notifications/progress`` to the caller (when it asked for progress). Safe from any thread."""
        if self._progress_token is None:
            return
        params: dict[str, Any] = {"progressToken": self._progress_token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message is not None:
            params["message"] = message
        if _on_loop(self._loop):
            self._channel.notify("notifications/progress", params)
        else:
            self._loop.call_soon_threadsafe(self._channel.notify, "notifications/progress", params)

    async def elicit(self, message: str, schema: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        """Asks the caller's user; returns the ``ElicitResult`` (``action``, and ``content`` if accepted)."""
        params: dict[str, Any] = {"message": message, "requestedSchema": schema or {"type": "object", "properties": {}}}
        return await self._ask("elicitation/create", params)

    async def sample(self, messages: list[dict[str, Any]], max_tokens: int = 1000, **params: Any) -> dict[str, Any]:
        """Asks the caller's model for a completion (``sampling/createMessage``)."""
        return await self._ask("sampling/createMessage", {"messages": messages, "maxTokens": max_tokens, **params})

    def elicit_sync(self, message: str, schema: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        """:meth:`elicit` for plain (non-async) tool functions, which run in worker threads."""
        return asyncio.run_coroutine_threadsafe(self.elicit(message, schema), self._loop).result()

    def sample_sync(self, messages: list[dict[str, Any]], max_tokens: int = 1000, **params: Any) -> dict[str, Any]:
        """:meth:`sample` for plain (non-async) tool functions."""
        return asyncio.run_coroutine_threadsafe(self.sample(messages, max_tokens, **params), self._loop).result()

    async def _ask(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        # The progress token ties the question to this call: the engine asks this call's caller.
        _, future = self._channel.request(method, params, meta={"progressToken": self._progress_token})
        answer: dict[str, Any] = await future
        return answer


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _is_context(hint: Any) -> bool:
    import typing

    if hint is Context:
        return True
    return any(arg is Context for arg in typing.get_args(hint))


@dataclasses.dataclass
class Tool:
    """One registered tool: the function and its MCP definition."""

    function: Callable[..., Any]
    name: str
    definition: dict[str, Any]
    hints: dict[str, Any]
    context_parameter: Optional[str]
    is_async: bool

    @classmethod
    def of(
        cls,
        function: Callable[..., Any],
        *,
        name: Optional[str] = None,
        description: Optional[str] = None,
        title: Optional[str] = None,
        annotations: Optional[dict[str, Any]] = None,
    ) -> "Tool":
        schema, hints, doc = _schema.input_schema(function, _is_context)
        context = next(
            (p for p, h in _typing_hints(function).items() if p != "return" and _is_context(h)),
            None,
        )
        tool_name = name or function.__name__
        definition: dict[str, Any] = {"name": tool_name}
        if title:
            definition["title"] = title
        text = description or doc
        if text:
            definition["description"] = text
        definition["inputSchema"] = schema
        output = _schema.output_schema(function)
        if output is not None:
            definition["outputSchema"] = output
        if annotations:
            definition["annotations"] = annotations
        return cls(function, tool_name, definition, hints, context, inspect.iscoroutinefunction(function))


def _typing_hints(function: Callable[..., Any]) -> dict[str, Any]:
    import typing

    return typing.get_type_hints(function, include_extras=True)


class ToolRegistry:
    """An ordered set of tools. :func:`tool` adds to the default one, :data:`registry`."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}
        self._listeners: list[Callable[[], None]] = []

    def add(self, function: Callable[..., Any], **options: Any) -> Tool:
        entry = Tool.of(function, **options)
        self._tools[entry.name] = entry
        for listener in list(self._listeners):
            listener()
        return entry

    def remove(self, name: str) -> None:
        if self._tools.pop(name, None) is not None:
            for listener in list(self._listeners):
                listener()

    def get(self, name: str) -> Optional[Tool]:
        return self._tools.get(name)

    def __iter__(self) -> Iterator[Tool]:
        return iter(list(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)

    @overload
    def tool(self, function: F) -> F: ...
    @overload
    def tool(self, function: None = None, **options: Any) -> Callable[[F], F]: ...

    def tool(self, function: Optional[F] = None, **options: Any) -> Union[F, Callable[[F], F]]:
        """Registers a function as a tool; usable bare (``@tool``) or with options
        (``@tool(name=..., description=..., title=..., annotations=...)``)."""

        def register(fn: F) -> F:
            self.add(fn, **options)
            return fn

        return register(function) if function is not None else register

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @classmethod
    def of(cls, tools: Union["ToolRegistry", Iterable[Callable[..., Any]]]) -> "ToolRegistry":
        if isinstance(tools, ToolRegistry):
            return tools
        out = cls()
        for function in tools:
            out.add(function)
        return out


#: The tools registered with :func:`tool`; ``python -m mcp_core serve FILE`` serves these.
registry = ToolRegistry()


@overload
def tool(function: F) -> F: ...
@overload
def tool(function: None = None, **options: Any) -> Callable[[F], F]: ...


def tool(function: Optional[F] = None, **options: Any) -> Union[F, Callable[[F], F]]:
    """Registers a function as an MCP tool in the default :data:`registry`.

    ``@mcp_core.tool`` or ``@mcp_core.tool(name=..., description=..., title=..., annotations=...)``.
    """
    return registry.tool(function, **options)


class ToolServer:
    """Serves a registry on the tools channel: the engine is the client."""

    def __init__(self, tools: ToolRegistry, channel: Channel, loop: asyncio.AbstractEventLoop, executor: concurrent.futures.Executor, threads: int) -> None:
        self._tools = tools
        self._channel = channel
        self._loop = loop
        self._executor = executor
        #: Plain functions running at once, cancelled ones included until they return. A call
        #: waits for a place here, not in the executor's queue: a call cancelled while it waits
        #: then holds nothing, where a queued one kept its arguments until a thread was free,
        #: which never came while the threads ran functions that block forever.
        self._threads = asyncio.Semaphore(threads)
        channel.handle_request = self._request
        channel.tells_returns = True
        self._unsubscribe = tools.on_change(self._changed)

    def close(self) -> None:
        self._unsubscribe()
        self._unsubscribe = lambda: None

    def _changed(self) -> None:
        if self._channel.closed is not None:
            self.close()
            return
        try:
            self._loop.call_soon_threadsafe(self._channel.notify, "notifications/tools/list_changed")
        except RuntimeError:
            # Its event loop is closed (an asyncio.run that ended with the manager not closed):
            # nobody is left to tell. Raised here, it failed the registration of the tool
            # (``@mcp_core.tool`` on a module imported later).
            self.close()

    async def _request(self, method: str, params: dict[str, Any], request_id: Any) -> Any:
        if method == "tools/call":
            return await self._call(params, request_id)
        if method == "tools/list":
            return {"tools": [entry.definition for entry in self._tools]}
        if method == "initialize":
            capabilities = {"tools": {"listChanged": True}, "experimental": {RETURNED_CAPABILITY: {}}}
            return {"protocolVersion": PROTOCOL_VERSION, "capabilities": capabilities, "serverInfo": {"name": "mcp_core", "version": _version()}}
        if method == "ping":
            return {}
        raise RpcError(-32601, f"Method not found: {method}")

    async def _call(self, params: dict[str, Any], request_id: Any) -> dict[str, Any]:
        name = params.get("name")
        entry = self._tools.get(name) if isinstance(name, str) else None
        if entry is None:
            raise RpcError(-32602, f"Unknown tool: {name}")
        arguments = params.get("arguments") or {}
        try:
            kwargs = {key: _schema.convert(value, entry.hints.get(key)) for key, value in arguments.items() if key in entry.hints}
        except Exception as error:  # noqa: BLE001 - the caller's arguments, not the program, are wrong
            # An input validation error is a tool execution error (spec 2025-11-25: tools, Error Handling).
            return _error_result(f"Invalid arguments for tool {entry.name}: {describe(error)}")
        context = None
        if entry.context_parameter is not None:
            token = (params.get("_meta") or {}).get("progressToken")
            context = Context(self._channel, self._loop, entry.name, token)
            kwargs[entry.context_parameter] = context
        try:
            # A sync tool's result is made in its thread: a generator it returns runs there.
            if entry.is_async:
                return to_result(await entry.function(**kwargs))
            result: dict[str, Any] = await self._in_thread(functools.partial(contextvars.copy_context().run, in_thread(_resulting(entry.function)), **kwargs), request_id)
            return result
        except asyncio.CancelledError:
            if context is not None:
                context._cancelled.set()
            if self._channel.withdrawn(request_id) or self._channel.closed is not None:
                raise
            # The function's own CancelledError (it awaited something cancelled): it failed.
            return _error_result("CancelledError: the tool was cancelled by its own code")
        except BaseException as error:  # noqa: BLE001 - a failing tool is a result the model can read
            # KeyboardInterrupt and SystemExit too (a tool that runs argparse exits on bad
            # arguments): raised on, they would end the program serving every other call.
            return _error_result(describe(error))

    async def _in_thread(self, call: Callable[[], Any], request_id: Any) -> Any:
        """Runs a plain function in the pool once one of its places is free. Cancelled, the call
        stops waiting at once; a function already running cannot be stopped, and keeps its
        place here, and its call's place in the engine, until it returns (it sees
        ``ctx.cancelled``)."""
        await self._threads.acquire()
        try:
            running = self._executor.submit(call)
        except BaseException:
            self._threads.release()
            raise
        running.add_done_callback(functools.partial(self._returned, request_id))
        try:
            return await asyncio.wrap_future(running, loop=self._loop)
        except asyncio.CancelledError:
            if not running.done():
                self._channel.outlives(request_id)
            raise

    def _returned(self, request_id: Any, _: "concurrent.futures.Future[Any]") -> None:
        # From the function's thread, which may outlive the loop (a function that returns after
        # the program is done): then there is nothing left to give the place back to.
        try:
            self._loop.call_soon_threadsafe(self._released, request_id)
        except RuntimeError:
            pass

    def _released(self, request_id: Any) -> None:
        self._threads.release()
        self._channel.work_returned(request_id)


def to_result(value: Any) -> dict[str, Any]:
    """A tool function's return value as a ``CallToolResult``."""
    if value is None:
        return {"content": []}
    if isinstance(value, str):
        return {"content": [{"type": "text", "text": value}]}
    if isinstance(value, Binary):
        return {"content": [_binary_block(value)]}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"content": [_binary_block(Binary(value))]}  # type: ignore[arg-type]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Binary) for v in value):
        return {"content": [_binary_block(v) for v in value]}
    if not isinstance(value, (dict, list, tuple)) and not _is_record(value):
        try:
            memoryview(value)
        except TypeError:
            pass
        else:
            return {"content": [_binary_block(Binary(value))]}
    data = jsonable(value)
    text = {"type": "text", "text": json.dumps(data)}
    # An object is the tool's structured result (a dict, a dataclass, a pydantic model).
    return {"content": [text], "structuredContent": data} if isinstance(data, dict) else {"content": [text]}


def _resulting(function: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """``function``, returning its value as a ``CallToolResult``."""

    def run(**kwargs: Any) -> dict[str, Any]:
        return to_result(function(**kwargs))

    return run


#: How deep a result may nest: deeper is taken for a structure that holds itself.
MAX_RESULT_DEPTH = 200


def _is_dataclass_instance(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _is_model(value: Any) -> bool:
    """A pydantic model, or anything that dumps itself as one does."""
    return callable(getattr(value, "model_dump", None))


def _is_record(value: Any) -> bool:
    return _is_dataclass_instance(value) or _is_model(value)


def jsonable(value: Any, depth: int = 0) -> Any:
    """``value`` in the types JSON carries, as FastMCP turns results into JSON: dicts (keys as
    strings), lists from tuples, sets and iterators (a generator is run), dataclasses and
    pydantic models as their fields, enums as their values, numpy scalars as numbers, buffers
    (bytes, arrays) as base64, and anything else as ``str(value)``. A set was sent as its repr
    (``"{1, 2}"``), a generator as ``"<generator object ...>"``, and a set inside a dict failed
    the call."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if depth >= MAX_RESULT_DEPTH:
        raise ValueError(f"the result nests deeper than {MAX_RESULT_DEPTH} levels (does it hold itself?)")
    if isinstance(value, dict):
        return {key if isinstance(key, str) else str(key): jsonable(item, depth + 1) for key, item in value.items()}
    if _is_dataclass_instance(value):
        return jsonable({field.name: getattr(value, field.name) for field in dataclasses.fields(value)}, depth + 1)
    if isinstance(value, enum.Enum):
        return jsonable(value.value, depth + 1)
    if _is_model(value):
        return jsonable(value.model_dump(mode="json"), depth + 1)
    if getattr(value, "shape", None) == () and callable(getattr(value, "item", None)):
        return jsonable(value.item(), depth + 1)  # a numpy scalar
    if isinstance(value, (list, tuple, set, frozenset, Iterator)):
        return [jsonable(item, depth + 1) for item in value]
    try:
        return _b64(value)
    except TypeError:
        return str(value)


def _binary_block(binary: Binary) -> dict[str, Any]:
    data = _b64(binary.data)
    kind = binary.mime_type.split("/", 1)[0]
    if kind in ("image", "audio"):
        return {"type": kind, "data": data, "mimeType": binary.mime_type}
    return {"type": "resource", "resource": {"uri": binary.uri or "mcp-core:binary", "mimeType": binary.mime_type, "blob": data}}


def _version() -> str:
    from . import __version__

    return __version__
