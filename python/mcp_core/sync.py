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
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, Coroutine, Iterable, Optional, TypeVar, Union

from . import manager as _async
from .errors import MCPException
from .results import Progress, ToolInfo, ToolResult

T = TypeVar("T")


class MCPManager:
    """:class:`mcp_core.MCPManager`, synchronous. Takes the same arguments."""

    def __init__(self, config: _async.Config = None, **options: Any) -> None:
        self._manager = _async.MCPManager(config, **options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="mcp_core-engine", daemon=True)
        self._thread.start()
        self._lock = threading.Lock()
        self._closed = False

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: Optional[float] = None) -> T:
        if self._closed:
            coroutine.close()
            raise MCPException("the manager is closed")
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
        """Stops the engine and the background loop. Safe to call more than once."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._manager.close(), self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

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


__all__ = ["MCPManager"]
