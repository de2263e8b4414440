"""The pipe's lines as the engine reads them: a request's envelope is written as text around its
encoded params, so every line must still be the JSON of the request, whatever its method, id
and params; lines read back are parsed, and a line that is not JSON is dropped."""

from __future__ import annotations

import asyncio
import json

from mcp_core._pipe import EnginePipe, _parse


async def test_requests_are_lines_of_their_json_whatever_the_method_id_and_params() -> None:
    pipe = EnginePipe(asyncio.get_running_loop(), lambda code: None)
    params = {"name": 'say "hi"\n', "arguments": {"text": "é\u2028\\", "n": [1, 2.5, None, True], "data": memoryview(b"\x00\xff")}}
    pipe.manager.request("tools/call", params)
    pipe.manager.request('odd "method"\\', {}, on_progress=print)
    pipe.tools.request("tools/list", {"cursor": "c"})
    lines = pipe._out  # this turn's lines, written together once it ends
    assert lines[2].startswith(b"@{")  # the tools channel's prefix
    assert [json.loads(line.removeprefix(b"@")) for line in lines] == [
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {**params, "arguments": {**params["arguments"], "data": "AP8="}}},
        {"jsonrpc": "2.0", "id": 2, "method": 'odd "method"\\', "params": {"_meta": {"progressToken": 2}}},
        {"jsonrpc": "2.0", "id": "py-1", "method": "tools/list", "params": {"cursor": "c"}},
    ]


def test_lines_are_parsed_and_what_is_not_json_is_dropped() -> None:
    assert _parse(b'{"jsonrpc":"2.0","id":1,"result":{"text":"\xc3\xa9"}}') == {"jsonrpc": "2.0", "id": 1, "result": {"text": "é"}}
    assert _parse(b' {"id": 2}\r') == {"id": 2}  # whitespace around the value is JSON's own
    assert _parse(b"[1, 2]") == [1, 2]
    for junk in (b"not json", b'{"id": 1} trailing', b'{"id": ', b"\xff\xfe", b""):
        assert _parse(junk) is None
