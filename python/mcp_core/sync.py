"""The synchronous facade, for scripts and notebooks: the same API as :class:`mcp_core.MCPManager`
without ``await``, safe to use from several threads at once.

    from mcp_core.sync import MCPManager

    with MCPManager({"mcpServers": {...}}) as m:
        print(m.execute_tool("files__read_text_file", {"path": "README.md"}).text)

The engine is driven by an event loop in a background thread that the manager owns; each call
hands its coroutine to that loop and waits for the outcome, so calls from many threads are
pipelined over the one engine. Callbacks (``on_progress``, ``on_elicit``...) run on that loop's
thread (sync ones in its worker threads). Ctrl-C while waiting cancels the call in the engine
and upstream, as cancelling an async call does.

A callback that runs on that loop's thread (``on_progress``, an async ``on_elicit``...) cannot
wait there for a call of its own manager: the call raises RuntimeError (it waited forever, and
every other call with it). ``close()`` from such a callback starts closing and returns at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import weakref
from typing import Any, Callable, Coroutine, Iterable, Optional, TypeVar, Union

from . import manager as _async
from .errors import MCPConnectionError, MCPException
from .results import Progress, ToolInfo, ToolResult

T = TypeVar("T")


class MCPManager:
    """:class:`mcp_core.MCPManager`, synchronous. Takes the same arguments."""

    def __init__(self, config: _async.Config = None, **options: Any) -> None:
        self._manager = _async.MCPManager(config, **options)
        self._loop = asyncio.new_event_loop()
        # The thread holds the loop, not this object: a manager dropped without close() is
        # collected, and its engine and thread stopped (else they ran until the program exited).
        self._thread = threading.Thread(target=_run, args=(self._loop,), name="mcp_core-engine", daemon=True)
        self._thread.start()
        self._abandoned = weakref.finalize(self, _close_abandoned, self._manager, self._loop)
        #: Taken to hand a coroutine to the loop, and to start closing: every call handed over
        #: before the closing starts runs before it (and is failed by it), none after.
        self._lock = threading.Lock()
        self._closing: Optional["concurrent.futures.Future[None]"] = None

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: Optional[float] = None) -> T:
        if threading.current_thread() is self._thread:
            # The loop would wait for itself: this call, and every other, forever.
            coroutine.close()
            raise RuntimeError(
                "mcp_core.sync: a callback running on the manager's own thread (on_progress, or an async handler) "
                "cannot wait for a call of that manager; use the async MCPManager there, or a sync handler"
            )
        with self._lock:
            if self._closing is not None:
                coroutine.close()
                raise MCPConnectionError("the manager is closed")
            future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except BaseException:
            # Ctrl-C (or any interruption) while waiting: the call is cancelled in the engine too.
            future.cancel()
            raise

    # ---- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> "MCPManager":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self) -> None:
        self._call(self._manager.start())

    def close(self) -> None:
        """Stops the engine and the background loop, and returns once both are stopped. Safe to
        call more than once, from any thread; from a callback on the manager's own thread it starts
        closing and returns at once (calls in flight, the callback's own too, fail with
        :class:`MCPConnectionError`)."""
        with self._lock:
            if self._closing is None:
                self._abandoned.detach()
                self._closing = _close(self._manager, self._loop)
            closing = self._closing
        if threading.current_thread() is self._thread:
            return
        try:
            closing.result()
        finally:
            self._thread.join()

    @property
    def url(self) -> Optional[str]:
        return self._manager.url

    @property
    def engine_pid(self) -> Optional[int]:
        return self._manager.engine_pid

    @property
    def restarts(self) -> int:
        return self._manager.restarts

    # ---- the API ------------------------------------------------------------------------------

    def list_tools(self) -> list[ToolInfo]:
        return self._call(self._manager.list_tools())

    def execute_tool(
        self,
        name: str,
        params: Optional[dict[str, Any]] = None,
        *,
        timeout: Optional[float] = None,
        on_progress: Optional[Callable[[Progress], Any]] = None,
        raise_on_error: Optional[bool] = None,
        on_elicit: Optional[_async.InputHandler] = None,
        on_sample: Optional[_async.InputHandler] = None,
        on_roots: Optional[_async.RootsHandler] = None,
    ) -> ToolResult:
        """:meth:`mcp_core.MCPManager.execute_tool`; the call's own handlers run as the manager's do."""
        return self._call(
            self._manager.execute_tool(
                name,
                params,
                timeout=timeout,
                on_progress=on_progress,
                raise_on_error=raise_on_error,
                on_elicit=on_elicit,
                on_sample=on_sample,
                on_roots=on_roots,
            )
        )

    def execute_batch(
        self,
        calls: Iterable[Any],
        *,
        concurrency: int = 8,
        timeout: Optional[float] = None,
        raise_on_error: Optional[bool] = None,
    ) -> list[Union[ToolResult, MCPException]]:
        return self._call(self._manager.execute_batch(list(calls), concurrency=concurrency, timeout=timeout, raise_on_error=raise_on_error))

    def roots_changed(self) -> None:
        self._call(self._manager.roots_changed())

    def health(self) -> dict[str, Any]:
        return self._call(self._manager.health())

    def reload(self, config: _async.Config = None) -> dict[str, Any]:
        return self._call(self._manager.reload(config))

    def request(self, method: str, params: Optional[dict[str, Any]] = None, *, timeout: Optional[float] = None) -> Any:
        return self._call(self._manager.request(method, params, timeout=timeout))


def _run(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.close()


def _close(manager: _async.MCPManager, loop: asyncio.AbstractEventLoop) -> "concurrent.futures.Future[None]":
    """Closes the manager on its loop, then stops the loop (its thread closes it and ends)."""
    closing = asyncio.run_coroutine_threadsafe(manager.close(), loop)
    # The loop stops once it has handed the closing's outcome over (stopped by the closing
    # itself, it never did, and close() waited forever).
    closing.add_done_callback(lambda _: loop.call_soon_threadsafe(loop.stop))
    return closing


def _close_abandoned(manager: _async.MCPManager, loop: asyncio.AbstractEventLoop) -> None:
    """A manager dropped without close(): closed all the same, without waiting."""
    try:
        _close(manager, loop)
    except RuntimeError:  # the loop is closed: the program is ending
        pass


__all__ = ["MCPManager"]
