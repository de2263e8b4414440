"""``MCPManager``: the engine's manager, from asyncio.

    async with MCPManager({"mcpServers": {"files": {"command": "npx", "args": [...]}}}) as m:
        tools = await m.list_tools()
        result = await m.execute_tool("files__read_text_file", {"path": "README.md"}, timeout=10)
        print(result.text)
"""

from __future__ import annotations

import asyncio
import collections.abc
import concurrent.futures
import inspect
import os
import subprocess
import weakref
from typing import Any, Awaitable, Callable, Iterable, Optional, Sequence, Union

from ._node import ENGINE_NODE_OPTIONS, engine_script, find_node
from ._pipe import EnginePipe, RpcError, in_thread
from .errors import (
    MCPConfigError,
    MCPConnectionError,
    MCPException,
    MCPProtocolError,
    MCPTimeoutError,
    MCPToolError,
    UpstreamFailure,
)
from .results import UPSTREAM_FAILURE_KEY, Progress, ToolInfo, ToolResult
from .tools import PROTOCOL_VERSION, ToolRegistry, ToolServer

#: Settings as a dict, a path to a JSON or YAML file, several paths (later ones override), or None.
Config = Union[dict[str, Any], str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]], None]
#: Answers a question of an upstream: gets the request's params, returns its result. Sync or async.
InputHandler = Callable[[dict[str, Any]], Union[dict[str, Any], Awaitable[dict[str, Any]]]]
#: Answers ``roots/list``: returns the roots (dicts with ``uri`` and, optionally, ``name``). Sync or async.
RootsHandler = Callable[[], Union[list[dict[str, Any]], Awaitable[list[dict[str, Any]]]]]

#: The ``_meta`` key under which the engine names the call an upstream's question belongs to.
RELATED_REQUEST_KEY = "mcp-core/relatedRequestId"


def _answers(on_elicit: Optional[InputHandler], on_sample: Optional[InputHandler], on_roots: Optional[RootsHandler]) -> dict[str, Callable[..., Any]]:
    """The handlers given, by the method of the question each answers."""
    answers: dict[str, Callable[..., Any]] = {}
    if on_elicit is not None:
        answers["elicitation/create"] = on_elicit
    if on_sample is not None:
        answers["sampling/createMessage"] = on_sample
    if on_roots is not None:
        answers["roots/list"] = on_roots
    return answers


#: The handler's name, for each method of the questions handlers answer.
_HANDLER_OF = {"elicitation/create": "on_elicit", "sampling/createMessage": "on_sample", "roots/list": "on_roots"}


def _kind(value: Any) -> str:
    return "None" if value is None else f"a {type(value).__name__}"


def _without_relation(params: dict[str, Any]) -> dict[str, Any]:
    """The question as the upstream asked it: the engine's tie to the call is not the callback's business."""
    meta = {key: value for key, value in params["_meta"].items() if key != RELATED_REQUEST_KEY}
    rest = {key: value for key, value in params.items() if key != "_meta"}
    if meta:
        rest["_meta"] = meta
    return rest




def _checked_config(config: Any) -> Config:
    """``config`` if it is one of the forms :data:`Config` allows: anything else (a number, bytes,
    a list holding one) raised a bare TypeError from ``os.fspath`` at the first call, naming
    neither the argument nor what it takes."""
    if config is None or isinstance(config, (dict, str, os.PathLike)):
        return config
    if isinstance(config, Sequence) and not isinstance(config, (bytes, bytearray)):
        for path in config:
            if not isinstance(path, (str, os.PathLike)):
                raise TypeError(f"config: each path in the list must be a str or an os.PathLike, not {type(path).__name__} ({path!r})")
        return config
    raise TypeError(f"config must be a dict of settings, a config file's path, a list of paths, or None; not {type(config).__name__}")


def _start_message(config: Config, tools: bool, http: Optional[str], roots: bool) -> dict[str, Any]:
    message: dict[str, Any] = {"tools": tools, "http": http, "roots": roots}
    if config is None or isinstance(config, dict):
        message["config"] = config
    elif isinstance(config, (str, os.PathLike)):
        message["files"] = [os.path.abspath(os.fspath(config))]
    else:
        message["files"] = [os.path.abspath(os.fspath(path)) for path in config]
    return message


class _Engine:
    """One engine process and its pipe."""

    def __init__(self, pipe: EnginePipe, info: dict[str, Any], tool_server: Optional[ToolServer]) -> None:
        self.pipe = pipe
        self.info = info
        self.tool_server = tool_server

    @property
    def alive(self) -> bool:
        return self.pipe.alive

    def serves_here(self) -> bool:
        """Whether its pipe is read by the running event loop; else by the loop it started on,
        which is still open (RuntimeError) or closed (False: nothing reads its pipe any more)."""
        loop = self.pipe.loop
        if loop is asyncio.get_running_loop():
            return True
        if not loop.is_closed():
            raise RuntimeError(_OTHER_LOOP)
        return False


_OTHER_LOOP = (
    "this MCPManager's engine runs on another event loop, which is still open: use the manager from that loop, "
    "or mcp_core.sync.MCPManager from any thread"
)


def _stop_abandoned(pipe: EnginePipe) -> None:
    """Stops an engine that nothing will close (its manager was dropped, or its event loop
    ended) as close() does: its stdin is closed, and it stops its upstreams and exits. From any
    thread (a finalizer runs where the manager was dropped)."""
    loop = pipe.loop
    if not loop.is_closed():
        try:
            loop.call_soon_threadsafe(pipe.close_stdin)
            return
        except RuntimeError:  # closed meanwhile
            pass
    # The loop is closed, and its selector with it: the pipe's file is closed directly, and
    # the transport marked closed (it would try to when collected, on that loop, and fail).
    transport = pipe.transport
    if transport is None:
        return
    stdin = transport.get_extra_info("subprocess").stdin
    if stdin is not None:
        stdin.close()
    try:
        transport.close()
    except RuntimeError:
        pass


class MCPManager:
    """Many MCP servers behind one manager, run by the mcp-core engine (a Node process this
    object starts and owns).

    Args:
        config: the engine's settings (``mcpServers``, ``gateway``, ...): a dict, the path of a
            JSON or YAML file (parsed by the engine, with ``MCP__`` environment overrides), a
            list of paths, or None for no upstreams.
        tools: Python functions the engine serves as tools of its own (a list of functions or
            a :class:`ToolRegistry`); they are listed and called like any other tool.
        http: ``"HOST:PORT"`` to have the engine also serve everything over Streamable HTTP
            (``url`` then has the address; port 0 picks a free one).
        on_elicit, on_sample, on_roots: answer upstreams' questions (elicitation, sampling,
            roots), unless the call they belong to has handlers of its own (see
            :meth:`execute_tool`). Sync functions run in threads, async ones as tasks, all
            concurrently. With ``on_roots`` every upstream is offered roots, and
            :meth:`roots_changed` tells them when they change.
        raise_on_error: raise :class:`MCPToolError` for results with ``isError`` (default
            False: the result says ``is_error``). Each call may override it.
        auto_restart: when the engine dies, the next call starts a new one (default True).
        timeout: default seconds a call may go without an answer or progress (None: no limit
            but the upstream's own ``timeoutMs``).
        env, cwd: the engine's environment and working directory.
        max_workers: threads for sync tool functions; sync callbacks (``on_elicit``, ``on_sample``,
            ``on_roots``) have as many of their own, so that tool functions waiting for an
            answer (``ctx.elicit_sync``) never take the threads their answers need.
    """

    def __init__(
        self,
        config: Config = None,
        *,
        tools: Union[ToolRegistry, Iterable[Callable[..., Any]], None] = None,
        http: Optional[str] = None,
        on_elicit: Optional[InputHandler] = None,
        on_sample: Optional[InputHandler] = None,
        on_roots: Optional[RootsHandler] = None,
        raise_on_error: bool = False,
        auto_restart: bool = True,
        timeout: Optional[float] = None,
        env: Optional[dict[str, str]] = None,
        cwd: Optional[str] = None,
        max_workers: int = 32,
    ) -> None:
        self._config = _checked_config(config)
        self._tools = ToolRegistry.of(tools) if tools is not None else None
        self._http = http
        self._answers = _answers(on_elicit, on_sample, on_roots)
        self.raise_on_error = raise_on_error
        self.auto_restart = auto_restart
        self.timeout = timeout
        self._env = env
        self._cwd = cwd
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            # Refused by the thread pool only once the engine had started, which then ran on
            # with nothing to close it, one more at each call.
            raise ValueError(f"max_workers must be a number of threads, 1 or more, not {max_workers!r}")
        self._max_workers = max_workers
        self._executor: Optional[concurrent.futures.ThreadPoolExecutor] = None
        #: Sync callbacks' threads, apart from the tool functions': with one pool for both,
        #: ``max_workers`` tool functions each waiting in ``ctx.elicit_sync`` for an answer a
        #: sync ``on_elicit`` gives took every thread, and the answers never came.
        self._callback_executor: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._engine: Optional[_Engine] = None
        self._starting: Optional[asyncio.Future[_Engine]] = None
        self._closed = False
        #: The closing (see :meth:`close`): a second close() waits for it, where it returned
        #: at once, with the engine still running.
        self._closing: Optional[asyncio.Future[None]] = None
        self._restarts = -1
        #: Stops the engine when the manager is dropped without close(): nothing else would
        #: before the program exits, and a program that makes a manager per task ran one more
        #: engine, with all its upstreams, for each.
        self._abandoned: "Optional[weakref.finalize[[EnginePipe], MCPManager]]" = None

    # ---- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> "MCPManager":
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def start(self) -> None:
        """Starts the engine (and connects its upstreams); calls start it when needed too."""
        await self._ready()

    @property
    def url(self) -> Optional[str]:
        """The Streamable HTTP endpoint, when started with ``http=``."""
        return self._engine.info.get("url") if self._engine else None

    @property
    def engine_pid(self) -> Optional[int]:
        """The engine process's id (None before it started)."""
        return self._engine.info.get("pid") if self._engine else None

    @property
    def restarts(self) -> int:
        """How many times the engine was started again after it died."""
        return max(self._restarts, 0)

    async def _ready(self) -> _Engine:
        engine = self._engine
        if engine is not None and not engine.serves_here():
            # Started under an event loop that has ended (asyncio.run used twice): nothing
            # reads that engine's pipe any more. It is stopped, and a new one serves this loop.
            self._drop(engine)
            await _stop_orphan(engine.pipe)
            engine = None
        if engine is not None and engine.alive:
            return engine
        if self._closed:
            raise MCPConnectionError("the manager is closed")
        if engine is not None and not self.auto_restart:
            raise MCPConnectionError(f"{engine.pipe.ended} and auto_restart is off")
        if engine is not None and engine.tool_server is not None:
            engine.tool_server.close()  # the next engine gets a server of its own
        if self._starting is not None and self._starting.get_loop() is not asyncio.get_running_loop():
            if not self._starting.get_loop().is_closed():
                raise RuntimeError(_OTHER_LOOP)
            self._starting = None
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._launch())
            self._starting.add_done_callback(self._started)
        return await asyncio.shield(self._starting)

    def _started(self, future: "asyncio.Future[_Engine]") -> None:
        if self._starting is future:
            self._starting = None
        if not future.cancelled() and future.exception() is None:
            engine = self._engine = future.result()
            self._restarts += 1
            if self._abandoned is not None:
                self._abandoned.detach()
            self._abandoned = weakref.finalize(self, _stop_abandoned, engine.pipe)

    def _drop(self, engine: _Engine) -> None:
        """Forgets an engine that is stopped, or being stopped."""
        if self._engine is engine:
            self._engine = None
        if engine.tool_server is not None:
            engine.tool_server.close()
        if self._abandoned is not None:
            self._abandoned.detach()
            self._abandoned = None

    async def _launch(self) -> _Engine:
        loop = asyncio.get_running_loop()
        node = await find_node()
        script = engine_script()
        env = dict(os.environ if self._env is None else self._env)
        # Encoded before the engine starts: settings JSON cannot carry leave no process behind.
        start_line = _dumps_start(_start_message(self._config, self._tools is not None, self._http, "roots/list" in self._answers))
        pipe = EnginePipe(loop, lambda code: None)
        try:
            # A session of its own: Ctrl-C in a terminal reaches Python, which closes the engine.
            await loop.subprocess_exec(
                lambda: pipe,
                node,
                *ENGINE_NODE_OPTIONS,
                script,
                "engine",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=None,
                env=env,
                cwd=self._cwd,
                start_new_session=True,
            )
        except OSError as error:
            raise MCPConnectionError(f"cannot start the engine ({node} {script}): {error}") from error
        tool_server = None
        try:
            if self._tools is not None:
                tool_server = ToolServer(self._tools, pipe.tools, loop, self._thread_pool(), self._max_workers)
            # Weakly: the pipe lives as long as the process, and must not keep a dropped manager
            # alive (see ``_abandoned``).
            pipe.manager.handle_request = _weakly(self._answer_question)
            pipe.write_line(start_line)
            answer = await pipe.ready
            if "error" in answer:
                refusal = answer["error"] if isinstance(answer["error"], dict) else {}
                pipe.close_stdin()
                await _wait_exit(pipe)
                kind = refusal.get("kind")
                message = str(refusal.get("message", "the engine did not start"))
                raise MCPConfigError(message) if kind in ("config", "usage") else MCPConnectionError(message)
            await self._handshake(pipe)
        except BaseException:
            # Cancelled while starting (its event loop ending), or the handshake failed: the
            # engine exits when its pipe closes, rather than run on with nothing to close it,
            # and the registry is no longer listened to for it.
            if tool_server is not None:
                tool_server.close()
            pipe.close_stdin()
            raise
        return _Engine(pipe, answer.get("engine") or {}, tool_server)

    async def _handshake(self, pipe: EnginePipe) -> None:
        """The MCP handshake on the manager channel (legacy era: one ``initialize``)."""
        # Elicitation and sampling always: a call may bring its own handlers. Roots only with
        # the manager's own, since upstreams ask for roots outside any call too.
        capabilities: dict[str, Any] = {"elicitation": {}, "sampling": {}}
        if "roots/list" in self._answers:
            capabilities["roots"] = {"listChanged": True}
        _, initialized = pipe.manager.request(
            "initialize",
            {"protocolVersion": PROTOCOL_VERSION, "capabilities": capabilities, "clientInfo": {"name": "mcp_core", "version": _version()}},
        )
        await initialized
        pipe.manager.notify("notifications/initialized")

    def _thread_pool(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(self._max_workers, thread_name_prefix="mcp_core")
        return self._executor

    def _callback_pool(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._callback_executor is None:
            self._callback_executor = concurrent.futures.ThreadPoolExecutor(self._max_workers, thread_name_prefix="mcp_core-callback")
        return self._callback_executor

    async def close(self) -> None:
        """Stops the engine, and with it every upstream it started. Every call returns once it is
        stopped: one made while another closes waits for that one."""
        closing = self._closing
        if closing is None or closing.get_loop() is not asyncio.get_running_loop():
            engine = self._engine
            if engine is not None:
                engine.serves_here()  # raises for an engine of another loop that still runs
            closing = self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(closing)

    async def _close(self) -> None:
        engine = self._engine
        if engine is not None and not engine.serves_here():
            # Its event loop has ended, and its pipe with it: the engine is told to stop.
            self._closed = True
            self._drop(engine)
            await _stop_orphan(engine.pipe)
            self._stop_threads()
            return
        self._closed = True
        if self._starting is not None:
            try:
                await asyncio.shield(self._starting)
            except BaseException:  # noqa: BLE001 - closing anyway
                pass
        engine = self._engine
        if engine is not None:
            self._drop(engine)
            # Calls still in flight end now (cancelled in the engine too), so it exits at once.
            engine.pipe.manager.cancel_all(MCPConnectionError("the manager was closed while the call was in flight"))
            engine.pipe.close_stdin()
            await _wait_exit(engine.pipe)
        self._stop_threads()

    def _stop_threads(self) -> None:
        for executor in (self._executor, self._callback_executor):
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)

    # ---- upstreams' questions --------------------------------------------------------------------

    async def _answer_question(self, method: str, params: dict[str, Any], _request_id: Any) -> Any:
        """Answers an upstream's question with the handler of the call it belongs to (the engine
        names the call in ``_meta``), else with the manager's."""
        if method == "ping":
            return {}
        handler = None
        meta = params.get("_meta")
        if isinstance(meta, dict) and RELATED_REQUEST_KEY in meta:
            engine = self._engine
            own = engine.pipe.manager.answers_of(meta[RELATED_REQUEST_KEY]) if engine is not None else None
            handler = own.get(method) if own is not None else None
            params = _without_relation(params)
        if handler is None:
            handler = self._answers.get(method)
        if handler is None:
            raise RpcError(-32601, f"mcp_core has no handler for {method}")
        if method == "roots/list":
            roots = await self._run_callback(handler)
            if isinstance(roots, dict):
                return roots
            if not isinstance(roots, collections.abc.Iterable) or isinstance(roots, (str, bytes)):
                raise RpcError(-32603, f"on_roots returned {_kind(roots)}, not a list of roots")
            return {"roots": list(roots)}
        result = await self._run_callback(handler, params)
        if not isinstance(result, dict):
            # The engine refused it as "a malformed result in answer to request "s1"", which
            # named neither the handler nor what it returned (most often None: no return).
            raise RpcError(-32603, f"{_HANDLER_OF.get(method, 'the handler')} returned {_kind(result)}, not a dict (the {method} result)")
        return result

    async def _run_callback(self, callback: Callable[..., Any], *args: Any) -> Any:
        if asyncio.iscoroutinefunction(callback):
            return await callback(*args)
        outcome = await asyncio.get_running_loop().run_in_executor(self._callback_pool(), in_thread(callback), *args)
        # A coroutine a plain function returned (a lambda calling an async one) is awaited; a
        # generator is none (asyncio.iscoroutine takes one for a coroutine on Python 3.11): awaited,
        # it raised TypeError where a roots handler returning one meant its roots.
        if inspect.iscoroutine(outcome):
            outcome = await outcome
        return outcome

    # ---- the manager's API -------------------------------------------------------------------------

    async def list_tools(self) -> list[ToolInfo]:
        """Every tool the engine offers: ``<upstream>__<tool>`` for upstreams' tools, and
        Python's own tools under their names."""
        engine = await self._ready()
        tools: list[ToolInfo] = []
        cursor = None
        while True:
            _, future = engine.pipe.manager.request("tools/list", {} if cursor is None else {"cursor": cursor})
            page = await future
            for raw in page.get("tools", []):
                tools.append(ToolInfo(raw["name"], raw.get("description"), raw.get("inputSchema") or {}, raw))
            cursor = page.get("nextCursor")
            if not isinstance(cursor, str):
                return tools

    async def execute_tool(
        self,
        name: str,
        params: Optional[dict[str, Any]] = None,
        *,
        timeout: Optional[float] = None,
        on_progress: Optional[Callable[[Progress], Any]] = None,
        raise_on_error: Optional[bool] = None,
        on_elicit: Optional[InputHandler] = None,
        on_sample: Optional[InputHandler] = None,
        on_roots: Optional[RootsHandler] = None,
    ) -> ToolResult:
        """Calls one tool.

        ``params`` may hold ``bytes``, ``memoryview`` or any buffer (a numpy array): they are
        sent as base64 strings, MCP's encoding of binary data. ``timeout`` is how many seconds
        the call may go without an answer or a progress report (then :class:`MCPTimeoutError`,
        and the call is cancelled in the engine and the upstream); ``on_progress`` receives
        :class:`Progress` reports. Cancelling the awaiting task cancels the call upstream
        (``notifications/cancelled``). ``on_elicit``, ``on_sample`` and ``on_roots`` answer the
        questions the upstream asks while serving this call, instead of the manager's handlers
        (which still answer the others; ``on_roots`` needs the manager's own ``on_roots``).

        Raises :class:`MCPProtocolError` for an unknown tool or bad arguments,
        :class:`MCPConnectionError` / :class:`MCPTimeoutError` when the engine or the upstream
        failed (``error.reason`` says why), and :class:`MCPToolError` for an ``isError`` result
        when ``raise_on_error``.
        """
        engine = self._engine
        if engine is None or not engine.alive or engine.pipe.loop is not asyncio.get_running_loop():
            engine = await self._ready()
        channel = engine.pipe.manager
        arguments = {} if params is None else params
        limit = self.timeout if timeout is None else timeout
        answers = _answers(on_elicit, on_sample, on_roots) if on_elicit or on_sample or on_roots else None
        request_id, future = channel.request(
            "tools/call", {"name": name, "arguments": arguments}, on_progress=on_progress, timeout=limit, answers=answers
        )
        try:
            raw = await future
        except asyncio.CancelledError:
            channel.cancel(request_id, "cancelled by the caller")
            raise
        except MCPTimeoutError as error:
            raise MCPTimeoutError(f"{name}: {error.message}") from None
        return self._result(name, raw, self.raise_on_error if raise_on_error is None else raise_on_error)

    def _result(self, name: str, raw: Any, raise_on_error: bool) -> ToolResult:
        if not isinstance(raw, dict):
            raise MCPProtocolError(f"{name}: the engine answered with no result")
        if raw.get("isError") is True:
            failure = (raw.get("_meta") or {}).get(UPSTREAM_FAILURE_KEY)
            result = ToolResult(name, raw)
            if isinstance(failure, dict):
                info = UpstreamFailure(str(failure.get("upstream")), str(failure.get("reason")))
                kind = MCPTimeoutError if info.reason == "slow" else MCPConnectionError
                raise kind(result.text or f"upstream {info.upstream} failed ({info.reason})", failure=info, data=raw)
            if raise_on_error:
                raise MCPToolError(result.text or f"{name} reported an error", tool=name, content=result.content, result=result)
            return result
        return ToolResult(name, raw)

    async def execute_batch(
        self,
        calls: Iterable[Union[tuple[str, Optional[dict[str, Any]]], tuple[str], str]],
        *,
        concurrency: int = 8,
        timeout: Optional[float] = None,
        raise_on_error: Optional[bool] = None,
    ) -> list[Union[ToolResult, MCPException]]:
        """Calls many tools, at most ``concurrency`` at once, and returns one outcome per call in
        the order given: its :class:`ToolResult`, or the :class:`MCPException` it failed with."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        items = [(call, None) if isinstance(call, str) else (call[0], call[1] if len(call) > 1 else None) for call in calls]
        outcomes: list[Union[ToolResult, MCPException]] = [None] * len(items)  # type: ignore[list-item]
        position = 0

        async def worker() -> None:
            nonlocal position
            while position < len(items):
                index = position
                position += 1
                name, params = items[index]
                try:
                    outcomes[index] = await self.execute_tool(name, params, timeout=timeout, raise_on_error=raise_on_error)
                except MCPException as error:
                    outcomes[index] = error

        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(items)))))
        return outcomes

    async def roots_changed(self) -> None:
        """Tells the upstreams that the roots ``on_roots`` returns have changed
        (``notifications/roots/list_changed``); those that care ask for them again."""
        if "roots/list" not in self._answers:
            raise RuntimeError("roots_changed() needs the manager's on_roots: the upstreams were offered no roots")
        engine = await self._ready()
        engine.pipe.manager.notify("notifications/roots/list_changed")

    async def health(self) -> dict[str, Any]:
        """The engine's health: ``engine`` (version, node, pid), ``ready``, each upstream's
        state, era, breaker, last error and latency, ``collisions``, and the tool counts."""
        return await self._engine_method("mcp-core/health", {})

    async def reload(self, config: Config = None) -> dict[str, Any]:
        """Applies new settings (a dict), or reads the config files again (no argument):
        upstreams are added, removed, replaced or updated; returns what changed."""
        if config is not None and not isinstance(config, dict):
            raise TypeError("reload takes settings as a dict, or nothing to read the config files again")
        try:
            return await self._engine_method("mcp-core/reload", {} if config is None else {"config": config})
        except MCPProtocolError as error:
            if isinstance(error.data, dict) and error.data.get("kind") == "config":
                raise MCPConfigError(error.message) from None
            raise

    async def _engine_method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        engine = await self._ready()
        _, future = engine.pipe.manager.request(method, params)
        answer: dict[str, Any] = await future
        return answer

    async def request(self, method: str, params: Optional[dict[str, Any]] = None, *, timeout: Optional[float] = None) -> Any:
        """Sends any MCP request to the engine's aggregate (``resources/read``, ``prompts/get``, ...)."""
        engine = await self._ready()
        request_id, future = engine.pipe.manager.request(method, params or {}, timeout=timeout)
        try:
            return await future
        except asyncio.CancelledError:
            engine.pipe.manager.cancel(request_id)
            raise


def _dumps_start(message: dict[str, Any]) -> bytes:
    import json

    try:
        return json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError, RecursionError) as error:
        raise MCPConfigError(f"the settings cannot be sent to the engine as JSON: {error}") from error


async def _stop_orphan(pipe: EnginePipe, grace: float = 10.0) -> None:
    """Stops an engine whose event loop is closed, and waits for it to exit (Popen reaps it)."""
    _stop_abandoned(pipe)
    if pipe.transport is None:
        return
    popen: "subprocess.Popen[bytes]" = pipe.transport.get_extra_info("subprocess")
    try:
        await asyncio.to_thread(popen.wait, grace)
    except subprocess.TimeoutExpired:
        popen.kill()


def _weakly(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``method``, holding its object weakly: once that is gone, a call fails as a method not found."""
    ref = weakref.WeakMethod(method)

    async def call(*args: Any) -> Any:
        bound = ref()
        if bound is None:
            raise RpcError(-32601, "the manager is gone")
        return await bound(*args)

    return call


async def _wait_exit(pipe: EnginePipe, grace: float = 10.0) -> None:
    try:
        await asyncio.wait_for(asyncio.shield(pipe.exited), grace)
    except asyncio.TimeoutError:
        if pipe.transport is not None:
            pipe.transport.kill()
        await pipe.exited
    if pipe.transport is not None:
        pipe.transport.close()


def _version() -> str:
    from . import __version__

    return __version__
