"""The exceptions of mcp_core, all under :class:`MCPException`.

- :class:`MCPConnectionError`: the engine or an upstream cannot be reached (the engine died,
  an upstream is dead, its breaker is open, it refused our credentials, or it is overloaded).
- :class:`MCPToolError`: the tool ran and reported an error (``isError``); raised only when
  asked (``raise_on_error=True``), otherwise the result says ``is_error``.
- :class:`MCPTimeoutError`: no answer in time (ours, or the upstream's ``timeoutMs``).
- :class:`MCPProtocolError`: the request itself was refused (unknown tool, bad arguments).
- :class:`MCPConfigError`: the engine refused the configuration.

When an upstream of the engine failed, the category is data on the exception:
``error.failure`` (an :class:`UpstreamFailure`), also as ``error.upstream`` and ``error.reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional

#: Why an upstream call failed, as the engine's manager reports it.
FailureReason = Literal["dead", "slow", "breaker_open", "auth", "overloaded"]


@dataclass(frozen=True)
class UpstreamFailure:
    """An upstream's failure category: which upstream, and why (``dead``, ``slow``,
    ``breaker_open``, ``auth`` or ``overloaded``)."""

    upstream: str
    reason: str


class MCPException(Exception):
    """The base of every mcp_core error.

    ``code`` and ``data`` are the JSON-RPC error's when the engine answered with one;
    ``failure`` is set when an upstream of the engine failed.
    """

    def __init__(
        self,
        message: str,
        *,
        code: Optional[int] = None,
        data: Any = None,
        failure: Optional[UpstreamFailure] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.data = data
        self.failure = failure

    @property
    def upstream(self) -> Optional[str]:
        """The upstream that failed, if one did."""
        return self.failure.upstream if self.failure else None

    @property
    def reason(self) -> Optional[str]:
        """The upstream's failure category, if one failed."""
        return self.failure.reason if self.failure else None


class MCPConnectionError(MCPException, ConnectionError):
    """The engine or an upstream cannot be reached: the engine died or could not start, or an
    upstream is ``dead``, its breaker is open (``breaker_open``), it refused the credentials
    (``auth``) or it is ``overloaded``."""


class NodeNotFoundError(MCPConnectionError):
    """No Node.js 24 or newer to run the engine with; the message says what to install."""


class MCPTimeoutError(MCPException, TimeoutError):
    """No answer in time: the call's ``timeout``, or the upstream's own (reason ``slow``)."""


class MCPProtocolError(MCPException):
    """The request was refused as it stands: an unknown tool, arguments that do not match the
    tool's schema, a method the engine does not serve. ``code`` is the JSON-RPC error code."""


class MCPConfigError(MCPException):
    """The engine refused the configuration; the message names each wrong setting."""


class MCPToolError(MCPException):
    """The tool reported an error (``isError``). Raised when ``raise_on_error`` is set;
    ``tool`` is the tool's name, ``content`` its content blocks, ``result`` the whole result."""

    def __init__(self, message: str, *, tool: str, content: list[dict[str, Any]], result: Any = None) -> None:
        super().__init__(message)
        self.tool = tool
        self.content = content
        self.result = result
