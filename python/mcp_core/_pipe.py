"""The pipe to the engine: the child's stdin and stdout, carrying two JSON-RPC connections.

- The manager channel: plain MCP, newline-delimited JSON. Python is the client; the engine
  serves the aggregate of its upstreams (and of Python's own tools).
- The tools channel: the same framing with ``@`` before each line. The engine is the client,
  Python the server of its ``@mcp_core.tool`` functions.

Before both, Python writes one start message and the engine answers with one line (see
``docs/ARCHITECTURE.md``, "The Python package"). Everything is pipelined: any number of requests
in flight each way, answered in any order; writes made in one turn of the event loop go out
in one system call.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import weakref
from json.encoder import encode_basestring
from json.scanner import make_scanner
from typing import Any, Awaitable, Callable, Optional, Union, cast

from .errors import MCPConnectionError, MCPProtocolError, MCPTimeoutError
from .results import Progress, _error_result, dumps

RequestId = Union[int, str]
TOOLS_PREFIX = b"@"
#: Starts a control line of the pipe; ``#end``: the manager channel's (relayed) client is done.
CONTROL_PREFIX = b"#"
CONTROL_END = b"#end"
_NEWLINE = b"\n"
#: The key, in the tools channel's ``experimental`` capabilities, saying this side sends
#: :data:`RETURNED`.
RETURNED_CAPABILITY = "mcp-core/returned"
#: ``{"requestId": id}``: a request the peer cancelled no longer runs here. The engine keeps a
#: cancelled call's place (its limits count it) until then, as it does for its own handlers.
RETURNED = "notifications/mcp-core/returned"


class RpcError(Exception):
    """A JSON-RPC error to answer a request with."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def wire(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class _Pending:
    """One request in flight: its future, progress callback, timeout (restarted by progress),
    and its own handlers for the questions the peer asks while serving it."""

    __slots__ = ("future", "method", "on_progress", "timeout", "timer", "answers")

    def __init__(
        self,
        future: asyncio.Future[Any],
        method: str,
        on_progress: Optional[Callable[[Progress], Any]],
        timeout: Optional[float],
        answers: Optional[dict[str, Callable[..., Any]]],
    ) -> None:
        self.future = future
        self.method = method
        self.on_progress = on_progress
        self.timeout = timeout
        self.timer: Optional[asyncio.TimerHandle] = None
        self.answers = answers


class Channel:
    """One JSON-RPC connection on the pipe: requests both ways, notifications, cancellation.

    Incoming requests are each served in a task of their own, so a slow one never holds up
    the others. ``handle_request`` returns the result or raises :class:`RpcError`.
    """

    def __init__(self, pipe: "EnginePipe", prefix: bytes, id_prefix: str = "") -> None:
        self._pipe = pipe
        self._prefix = prefix
        self._id_prefix = id_prefix
        self._next_id = 0
        self._pending: dict[RequestId, _Pending] = {}
        self._serving: dict[RequestId, asyncio.Task[Any]] = {}
        #: Requests being served that the peer withdrew (``notifications/cancelled``): their
        #: ``CancelledError`` is the peer's doing, any other is the handler's own failure.
        self._withdrawn: set[RequestId] = set()
        #: Send :data:`RETURNED` after each of the peer's cancellations (the tools channel).
        self.tells_returns = False
        #: Withdrawn requests whose work runs on after their handler ended (a plain function in
        #: its thread): :data:`RETURNED` waits for :meth:`work_returned`.
        self._outliving: set[RequestId] = set()
        self.handle_request: Optional[Callable[[str, dict[str, Any], RequestId], Awaitable[Any]]] = None
        self.handle_notification: Optional[Callable[[str, dict[str, Any]], None]] = None
        self.closed: Optional[BaseException] = None

    # ---- outgoing ---------------------------------------------------------------------------

    def send(self, message: dict[str, Any]) -> None:
        self._pipe.write(self._prefix, dumps(message))

    def request(
        self,
        method: str,
        params: dict[str, Any],
        *,
        on_progress: Optional[Callable[[Progress], Any]] = None,
        timeout: Optional[float] = None,
        meta: Optional[dict[str, Any]] = None,
        answers: Optional[dict[str, Callable[..., Any]]] = None,
    ) -> tuple[RequestId, asyncio.Future[Any]]:
        """Sends a request; the future settles with its result or an exception. ``answers`` are
        its own handlers (by method) for the questions the peer asks while serving it (see
        :meth:`answers_of`)."""
        if self.closed is not None:
            raise self.closed
        _check_timeout(timeout)
        self._next_id += 1
        request_id: RequestId = f"{self._id_prefix}{self._next_id}" if self._id_prefix else self._next_id
        future: asyncio.Future[Any] = self._pipe.loop.create_future()
        entry = _Pending(future, method, on_progress, timeout, answers)
        if on_progress is not None:
            meta = {**(meta or {}), "progressToken": request_id}
        if meta:
            params = {**params, "_meta": {**params.get("_meta", {}), **meta}}
        # The envelope is written as text: only the params need encoding.
        try:
            params_json = dumps(params)
        except (TypeError, ValueError, RecursionError) as error:
            raise MCPProtocolError(f"{method}: the params cannot be sent as JSON: {error}") from error
        request_json = request_id if isinstance(request_id, int) else encode_basestring(request_id)
        self._pipe.write(self._prefix, f'{{"jsonrpc":"2.0","id":{request_json},"method":{encode_basestring(method)},"params":{params_json}}}')
        self._pending[request_id] = entry
        if timeout is not None:
            entry.timer = self._pipe.loop.call_later(timeout, self._time_out, request_id)
        return request_id, future

    def answers_of(self, request_id: Any) -> Optional[dict[str, Callable[..., Any]]]:
        """The handlers given with a request still in flight, for the peer's questions about it."""
        entry = self._pending.get(request_id) if isinstance(request_id, (int, str)) else None
        return entry.answers if entry is not None else None

    def notify(self, method: str, params: Optional[dict[str, Any]] = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def cancel(self, request_id: RequestId, reason: str = "cancelled") -> None:
        """Gives up on a request: forgets it and tells the peer (``notifications/cancelled``)."""
        entry = self._pending.pop(request_id, None)
        if entry is None:
            return
        if entry.timer is not None:
            entry.timer.cancel()
        if self.closed is None:
            self.notify("notifications/cancelled", {"requestId": request_id, "reason": reason})

    def _time_out(self, request_id: RequestId) -> None:
        entry = self._pending.get(request_id)
        if entry is None:
            return
        self.cancel(request_id, "timeout")
        if not entry.future.done():
            entry.future.set_exception(MCPTimeoutError(f"{entry.method} got no answer within {entry.timeout:g} s"))

    # ---- incoming ---------------------------------------------------------------------------

    def receive(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        method = message.get("method")
        if method is None:
            self._settle(message)
        elif "id" in message:
            self._serve(message["id"], method, message.get("params") or {})
        else:
            self._notification(method, message.get("params") or {})

    def _settle(self, message: dict[str, Any]) -> None:
        entry = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
        if entry is None:
            return
        if entry.timer is not None:
            entry.timer.cancel()
        if entry.future.done():
            return
        if "error" in message:
            error = message["error"] if isinstance(message["error"], dict) else {}
            entry.future.set_exception(
                MCPProtocolError(str(error.get("message", "error")), code=error.get("code"), data=error.get("data"))
            )
        else:
            entry.future.set_result(message.get("result"))

    def _notification(self, method: str, params: dict[str, Any]) -> None:
        if method == "notifications/progress":
            entry = self._pending.get(params.get("progressToken"))  # type: ignore[arg-type]
            if entry is not None and entry.on_progress is not None:
                if entry.timer is not None:
                    entry.timer.cancel()
                    entry.timer = self._pipe.loop.call_later(entry.timeout or 0, self._time_out, params["progressToken"])
                _call_soon(entry.on_progress, Progress(params.get("progress", 0), params.get("total"), params.get("message")))
                return
        if method == "notifications/cancelled":
            request_id = params.get("requestId")
            task = self._serving.get(request_id)  # type: ignore[arg-type]
            if task is not None:
                self._withdrawn.add(request_id)  # type: ignore[arg-type]
                task.cancel()
                return
            if isinstance(request_id, (int, str)) and request_id not in self._outliving:
                # Answered already, or never seen: nothing of it runs.
                self._tell_returned(request_id)
        if self.handle_notification is not None:
            self.handle_notification(method, params)

    def _serve(self, request_id: RequestId, method: str, params: dict[str, Any]) -> None:
        task = self._pipe.loop.create_task(self._answer(request_id, method, params))
        self._serving[request_id] = task
        # Forgotten once done, however: a request withdrawn in the same read as it came is
        # cancelled before its coroutine starts, and no code of its own runs (it was kept forever).
        task.add_done_callback(lambda _: self._forget(request_id, task))

    def _forget(self, request_id: RequestId, task: "asyncio.Task[Any]") -> None:
        if self._serving.get(request_id) is task:
            del self._serving[request_id]
            if request_id in self._withdrawn:
                self._withdrawn.discard(request_id)
                if request_id not in self._outliving:
                    self._tell_returned(request_id)

    def outlives(self, request_id: RequestId) -> None:
        """The withdrawn request's handler ends, but its work runs on: the peer is told it
        returned at :meth:`work_returned`, not when the handler ends."""
        self._outliving.add(request_id)

    def work_returned(self, request_id: RequestId) -> None:
        """The work of a request (a plain function in its thread) returned."""
        if request_id in self._outliving:
            self._outliving.discard(request_id)
            self._tell_returned(request_id)

    def _tell_returned(self, request_id: RequestId) -> None:
        if self.tells_returns and self.closed is None:
            self.notify(RETURNED, {"requestId": request_id})

    async def _answer(self, request_id: RequestId, method: str, params: dict[str, Any]) -> None:
        try:
            if self.handle_request is None:
                raise RpcError(-32601, f"Method not found: {method}")
            result = await self.handle_request(method, params, request_id)
            if self.withdrawn(request_id):
                # The handler ignored its cancellation and returned: a cancelled request is not answered.
                return
            response: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "result": result}
        except asyncio.CancelledError:
            if self.withdrawn(request_id) or self.closed is not None:
                # Cancelled by the peer (notifications/cancelled), or the pipe is gone: no answer goes back.
                return
            # The handler's own CancelledError (it awaited something cancelled): a failure like any other.
            response = _failure(request_id, "CancelledError: the handler was cancelled")
        except RpcError as error:
            response = {"jsonrpc": "2.0", "id": request_id, "error": error.wire()}
        except BaseException as error:  # noqa: BLE001 - every request gets an answer
            # KeyboardInterrupt or SystemExit raised by a handler (argparse inside a callback
            # exits on bad input) fails that request; re-raised here, it would end the program.
            response = _failure(request_id, describe(error))
        if self.closed is None:
            try:
                self.send(response)
            except (TypeError, ValueError, RecursionError, MCPProtocolError) as error:
                self.send(_failure(request_id, f"the answer cannot be sent as JSON: {error}"))

    def withdrawn(self, request_id: Any) -> bool:
        """Whether the peer cancelled this request, which is still being served."""
        return request_id in self._withdrawn

    def unreadable(self, line: bytes) -> None:
        """A line of this channel that does not parse (JSON nested deeper than Python's parser
        goes): the request it carries is answered, or the request it answers fails, under the
        id its head shows, so that nobody waits for it forever."""
        match = _HEAD.match(line)
        if match is None:
            return
        request_id = _parse(match.group(1))
        if not isinstance(request_id, (int, str)):
            return
        reason = "it nests deeper than Python's JSON parser goes"
        if match.group(2) is not None:
            if self.closed is None and match.group(2) == b"tools/call":
                # Arguments the tool cannot take: a tool execution error (spec: tools, Error Handling).
                text = f"Invalid arguments: {reason}"
                self.send({"jsonrpc": "2.0", "id": request_id, "result": _error_result(text)})
            elif self.closed is None:
                self.send(_failure(request_id, f"the request cannot be read: {reason}", -32600))
            return
        entry = self._pending.pop(request_id, None)
        if entry is None:
            return
        if entry.timer is not None:
            entry.timer.cancel()
        if not entry.future.done():
            entry.future.set_exception(MCPProtocolError(f"{entry.method}: the answer cannot be read: {reason}", code=-32700))

    def cancel_all(self, error: BaseException) -> None:
        """Gives up on every request in flight (the peer is told) and fails them with ``error``."""
        for request_id, entry in list(self._pending.items()):
            self.cancel(request_id, str(error))
            if not entry.future.done():
                entry.future.set_exception(error)

    def close(self, error: BaseException) -> None:
        """The pipe is gone: every request in flight fails with ``error`` at once."""
        if self.closed is not None:
            return
        self.closed = error
        pending, self._pending = self._pending, {}
        for entry in pending.values():
            if entry.timer is not None:
                entry.timer.cancel()
            if not entry.future.done():
                entry.future.set_exception(error)
        for task in list(self._serving.values()):
            task.cancel()


def _check_timeout(timeout: Any) -> None:
    """Refuses a ``timeout`` no timer can run on, before its request is sent: a string failed
    only once the request was on its way (the call ran on in the engine, answered to nobody),
    and NaN was accepted, a timer the loop's ordered heap of timers cannot place."""
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds or None, not {type(timeout).__name__}")
    if not timeout >= 0:
        raise ValueError(f"timeout must be a number of seconds, 0 or more, not {timeout!r}")


class _Carried(Exception):
    """What a function raised in a worker thread that an asyncio future does not take as
    raised: StopIteration (``next()`` on an empty iterator) is refused, and the future was left
    pending, its request never answered; GeneratorExit left the coroutine awaiting it.
    :func:`describe` names the original."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


def in_thread(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, to run in a worker thread: what it raises reaches the loop as raised."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (StopIteration, GeneratorExit) as error:
            raise _Carried(error) from error

    return run


def _failure(request_id: RequestId, message: str, code: int = -32603) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


#: A character UTF-8 cannot encode: half of a surrogate pair, alone.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped(match: "re.Match[str]") -> str:
    return f"\\u{ord(match.group()):04x}"


#: The head of a message as both ends write it: its id, then the method of a request (none
#: for a response).
_HEAD = re.compile(rb'\{"jsonrpc":"2\.0","id":(-?\d+|"(?:[^"\\]|\\.)*")(?:,"method":"([^"\\]*)")?')


def _call_soon(callback: Callable[..., Any], *args: Any) -> None:
    """Runs a user callback (sync, or async as a task); its errors are reported, never raised
    here. ``SystemExit`` and ``KeyboardInterrupt`` too: raised here, in the middle of reading
    the pipe, they ended the event loop, and every call of the manager waited forever."""
    try:
        outcome = callback(*args)
        if asyncio.iscoroutine(outcome):
            asyncio.ensure_future(_reported(outcome))
    except BaseException as error:  # noqa: BLE001 - the callback's failure, not the program's
        _report(error)


async def _reported(outcome: Awaitable[Any]) -> None:
    """Awaits an async callback, reporting what it raises: a task that raises ``SystemExit``
    or ``KeyboardInterrupt`` stops the loop that runs it."""
    try:
        await outcome
    except asyncio.CancelledError:
        raise
    except BaseException as error:  # noqa: BLE001
        _report(error)


def _report(error: BaseException) -> None:
    asyncio.get_running_loop().call_exception_handler({"message": "mcp_core: a progress callback raised", "exception": error})


def describe(error: BaseException) -> str:
    """``Type: message`` of an exception a handler or a tool raised, however its ``str()``
    fails: it is the program's code, and an answer that could not be written was never sent
    (its caller waited forever)."""
    if isinstance(error, _Carried):
        error = error.error
    try:
        text = str(error)
    except BaseException as failure:  # noqa: BLE001
        text = f"(its str() raised {type(failure).__name__})"
    return f"{type(error).__name__}: {text}"


#: How long after the engine's output ends its exit is waited for (see pipe_connection_lost).
_EXIT_WAIT_S = 1.0


def _how_it_ended(code: Optional[int]) -> str:
    """``the engine was killed by SIGKILL``, ``the engine exited (exit code 3)``."""
    if code is None:
        return "the engine closed its output"
    if code < 0:
        try:
            return f"the engine was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"the engine was killed by signal {-code}"
    return f"the engine exited (exit code {code})"


class EnginePipe(asyncio.SubprocessProtocol):
    """The engine process's stdin and stdout: frames lines, routes them to the two channels."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_exit: Callable[[Optional[int]], None]) -> None:
        self.loop = loop
        self.manager = Channel(self, b"")
        self.tools = Channel(self, TOOLS_PREFIX, "py-")
        self.ready: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.exited: asyncio.Future[Optional[int]] = loop.create_future()
        self.transport: Optional[asyncio.SubprocessTransport] = None
        self._stdin: Optional[asyncio.WriteTransport] = None
        self._chunks: list[bytes] = []
        self._out: list[bytes] = []
        self._flushing = False
        self._on_exit = on_exit
        self._lost = False
        #: How the engine ended, said in the errors of the calls it took with it.
        self.ended = "the engine exited"
        self._exit_wait: Optional[asyncio.TimerHandle] = None
        #: The engine's limit on one line (it says so when it starts).
        self.max_message_bytes = 64 * 1024 * 1024

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        _pipes.add(self)
        self._stdin = self.transport.get_pipe_transport(0)  # type: ignore[union-attr, assignment]

    # ---- writing: one system call per turn of the loop ---------------------------------------

    def write(self, prefix: bytes, text: str) -> None:
        if self._lost:
            raise MCPConnectionError("the engine is not running")
        try:
            data = text.encode()
        except UnicodeEncodeError:
            # A lone surrogate (as a string Python read from a JSON escape such as "\ud800"
            # holds) has no UTF-8: it goes out as that escape again, which JSON allows and the
            # engine reads back to the same string.
            data = _LONE_SURROGATE.sub(_escaped, text).encode()
        if len(data) + len(prefix) > self.max_message_bytes:
            # The engine would drop it with no answer to tie to the request: refuse it here.
            raise MCPProtocolError(f"the message is {len(data)} bytes; the engine reads messages of at most {self.max_message_bytes} bytes")
        self._out.append(prefix + data if prefix else data)
        if not self._flushing:
            self._flushing = True
            self.loop.call_soon(self._flush)

    def write_line(self, data: bytes) -> None:
        """A raw line (the start message, or a relayed client's message)."""
        self._out.append(data[:-1] if data.endswith(_NEWLINE) else data)
        if not self._flushing:
            self._flushing = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flushing = False
        out, self._out = self._out, []
        if self._stdin is not None and not self._stdin.is_closing() and out:
            # The lines of this turn, each with its newline, in one write.
            self._stdin.write(_NEWLINE.join(out) + _NEWLINE)

    def close_stdin(self) -> None:
        self._flush()
        if self._stdin is not None and not self._stdin.is_closing():
            self._stdin.close()

    # ---- reading -----------------------------------------------------------------------------

    #: Lines of the manager channel go here instead of to its JSON-RPC connection (a relay).
    relay: Optional[Callable[[bytes], None]] = None

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd != 1:
            return
        start = 0
        newline = data.find(_NEWLINE)
        if newline == -1:
            self._chunks.append(data)
            return
        while newline != -1:
            if self._chunks:
                self._chunks.append(data[start:newline])
                line = b"".join(self._chunks)
                self._chunks = []
            else:
                line = data[start:newline]
            if line:
                self._line(line)
            start = newline + 1
            newline = data.find(_NEWLINE, start)
        if start < len(data):
            self._chunks.append(data[start:])

    def _line(self, line: bytes) -> None:
        if line[:1] == TOOLS_PREFIX:
            message = _parse(line[1:])
            if message is _UNREADABLE:
                self.tools.unreadable(line[1:])
            else:
                self.tools.receive(message)
        elif not self.ready.done():
            message = _parse(line)
            if isinstance(message, dict) and ("engine" in message or "error" in message):
                limit = (message.get("engine") or {}).get("maxMessageBytes")
                if isinstance(limit, int) and limit > 0:
                    self.max_message_bytes = limit
                self.ready.set_result(message)
        elif self.relay is not None:
            self.relay(line)
        else:
            message = _parse(line)
            if message is _UNREADABLE:
                self.manager.unreadable(line)
            else:
                self.manager.receive(message)

    def pipe_connection_lost(self, fd: int, exc: Optional[Exception]) -> None:
        # Its output ends a moment before its exit is known: that is waited for, briefly, so the
        # calls it took with it are told how it ended ("killed by SIGKILL", an exit code).
        if fd == 1 and not self._lost and self._exit_wait is None:
            self._exit_wait = self.loop.call_later(_EXIT_WAIT_S, self._gone)

    def process_exited(self) -> None:
        if self._exit_wait is not None:
            self._exit_wait.cancel()
        self._gone()
        code = self.transport.get_returncode() if self.transport is not None else None
        if not self.exited.done():
            self.exited.set_result(code)

    def _gone(self) -> None:
        if self._lost:
            return
        self._lost = True
        code = self.transport.get_returncode() if self.transport is not None else None
        self.ended = _how_it_ended(code)
        error = MCPConnectionError(f"{self.ended}; calls in flight are lost")
        if not self.ready.done():
            self.ready.set_exception(error)
        self.manager.close(error)
        self.tools.close(error)
        self._on_exit(code)

    @property
    def alive(self) -> bool:
        return not self._lost

    def close_copies(self) -> None:
        """In a child made by ``fork()``: closes this process's copies of the pipe's ends. Kept,
        they held the engine's stdin open after its manager closed it, for as long as the child
        lived: close() waited its grace, then killed the engine. The child's copy of the event
        loop is left alone: its selector is the parent's too."""
        popen = self.transport.get_extra_info("subprocess") if self.transport is not None else None
        if popen is None:
            return
        for end in (popen.stdin, popen.stdout):
            if end is not None:
                end.close()


#: The pipes of the engines this process started, for :func:`_after_fork_in_child`.
_pipes: "weakref.WeakSet[EnginePipe]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for pipe in list(_pipes):
        pipe.close_copies()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork()
    os.register_at_fork(after_in_child=_after_fork_in_child)


#: ``scan(text, index) -> (value, end)``: the C scanner ``json.loads`` uses (the stubs call its
#: argument by another type).
_scan: Callable[[str, int], tuple[Any, int]] = make_scanner(cast(Any, json.JSONDecoder()))


#: What :func:`_parse` returns for JSON nested deeper than the parser's recursion goes.
_UNREADABLE: Any = object()


def _parse(line: bytes) -> Any:
    """A line's JSON value, None if it is not JSON, or :data:`_UNREADABLE` if it nests deeper
    than Python's parser goes (its recursion limit: the engine passes up to 1,000 levels). The
    scanner is called directly: ``json.loads`` spends more on detecting the encoding and
    checking the text than the scanner on a small message."""
    try:
        text = line.decode()
        value, end = _scan(text, 0)
        if end == len(text):
            return value
    except (ValueError, StopIteration):
        pass
    except RecursionError:
        return _UNREADABLE
    try:  # whitespace around the value, or not JSON at all: the full parser says which
        return json.loads(line)
    except ValueError:
        return None
    except RecursionError:
        return _UNREADABLE
