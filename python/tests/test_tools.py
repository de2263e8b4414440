"""Python functions served by the engine: schemas from type hints, sync and async functions,
progress, cancellation, elicitation, binary payloads, and upstreams' questions answered by
Python callbacks."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import hashlib
import json
import threading
from typing import Annotated, Literal, Optional, TypedDict

import numpy as np
import pytest

from conftest import EVERYTHING, NODE, eventually, fixture_upstream
from mcp_core import Binary, Context, MCPManager, MCPProtocolError, Progress, ToolRegistry
from mcp_core._schema import input_schema, parse_docstring
from mcp_core.tools import Tool, ToolServer


class Point(TypedDict):
    """A point on the plane."""

    x: float
    y: float


@dataclasses.dataclass
class Box:
    width: int
    height: int = 1


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Area(TypedDict):
    area: int


def measure(box: Box, scale: Optional[float] = None, unit: Literal["cm", "in"] = "cm") -> Area:
    """Measures a box.

    Args:
        box: The box to measure.
        scale: A factor applied to both sides,
            when given.
        unit: The unit of the answer.
    """
    factor = scale or 1
    return {"area": int(box.width * box.height * factor * factor)}


async def distance(a: Point, b: Point, colors: list[Color] = [], note: Annotated[str, "A note"] = "") -> str:  # noqa: B006
    """The distance between two points."""
    return f"{((a['x'] - b['x']) ** 2 + (a['y'] - b['y']) ** 2) ** 0.5:.1f} {[c.value for c in colors]} {note}".strip()


def test_schemas_from_type_hints_and_docstrings() -> None:
    tool = Tool.of(measure)
    assert tool.definition["description"] == "Measures a box."
    schema = tool.definition["inputSchema"]
    assert schema["required"] == ["box"]
    assert schema["properties"]["box"] == {
        "type": "object",
        "properties": {"width": {"type": "integer"}, "height": {"type": "integer", "default": 1}},
        "required": ["width"],
        "description": "The box to measure.",
    }
    assert schema["properties"]["scale"] == {"anyOf": [{"type": "number"}, {"type": "null"}], "description": "A factor applied to both sides, when given.", "default": None}
    assert schema["properties"]["unit"] == {"enum": ["cm", "in"], "type": "string", "description": "The unit of the answer.", "default": "cm"}
    assert tool.definition["outputSchema"] == {"type": "object", "properties": {"area": {"type": "integer"}}, "required": ["area"]}
    other = Tool.of(distance).definition["inputSchema"]
    assert other["properties"]["a"]["required"] == ["x", "y"] and other["properties"]["a"]["description"] == "A point on the plane."
    assert other["properties"]["colors"] == {"type": "array", "items": {"enum": ["red", "blue"]}, "default": []}
    assert other["properties"]["note"]["description"] == "A note"


def test_docstring_styles() -> None:
    assert parse_docstring("Does it.\n\n:param a: the a\n:param int b: the b\n") == ("Does it.", {"a": "the a", "b": "the b"})
    schema, _, description = input_schema(lambda ctx, n=3: None, lambda hint: False)
    assert schema == {"type": "object", "properties": {"ctx": {}, "n": {"default": 3}}, "required": ["ctx"]} and description is None


async def test_python_tools_are_served_and_called_with_converted_arguments() -> None:
    tools = ToolRegistry()
    tools.add(measure)
    tools.add(distance, name="dist")
    async with MCPManager(tools=tools) as m:
        listed = {tool.name: tool for tool in await m.list_tools()}
        assert set(listed) == {"measure", "dist"}
        assert listed["measure"].output_schema is not None
        result = await m.execute_tool("measure", {"box": {"width": 3, "height": 2}, "scale": 2})
        assert result.structured == {"area": 24}
        result = await m.execute_tool("dist", {"a": {"x": 0, "y": 0}, "b": {"x": 3, "y": 4}, "colors": ["red"], "note": "ok"})
        assert result.text == "5.0 ['red'] ok"
        # The engine checks arguments against the schema before Python sees them.
        bad = await m.execute_tool("measure", {"box": {"width": "wide"}})
        assert bad.is_error and "box" in bad.text
        with pytest.raises(MCPProtocolError):
            await m.execute_tool("nope")


async def test_sync_tools_run_in_threads_concurrently() -> None:
    arrived = threading.Barrier(4, timeout=20)

    def meet(tag: str) -> str:
        """Returns once four calls are running at once."""
        arrived.wait()
        return f"{tag} in {threading.current_thread().name}"

    async with MCPManager(tools=[meet]) as m:
        results = await asyncio.gather(*(m.execute_tool("meet", {"tag": str(i)}) for i in range(4)))
        assert all(r.text.startswith(f"{i} in mcp_core") for i, r in enumerate(results))


async def test_a_raising_tool_is_an_error_result() -> None:
    def broken(n: int) -> int:
        raise ValueError(f"cannot take {n}")

    async with MCPManager(tools=[broken]) as m:
        result = await m.execute_tool("broken", {"n": 3})
        assert result.is_error and result.text == "ValueError: cannot take 3"


async def test_a_result_json_cannot_carry_is_an_error_not_a_wait() -> None:
    # A tool that returned NaN had its answer written as `NaN`: the engine dropped the line and
    # the caller waited forever. Now the engine is answered with an error, as for any answer
    # JSON cannot carry.
    def ratio(a: float, b: float) -> dict:
        return {"ratio": a / b if b else float("nan")}

    async with MCPManager(tools=[ratio]) as m:
        with pytest.raises(MCPProtocolError, match="the answer cannot be sent as JSON: Out of range float values"):
            await asyncio.wait_for(m.execute_tool("ratio", {"a": 1, "b": 0}), 20)
        assert (await m.execute_tool("ratio", {"a": 1, "b": 4})).structured == {"ratio": 0.25}


async def test_progress_cancellation_and_elicitation_in_a_tool() -> None:
    cancelled = asyncio.Event()
    asked: list[dict] = []

    async def work(steps: int, ctx: Context) -> str:
        """Reports progress at each step, then waits until cancelled."""
        for step in range(1, steps + 1):
            ctx.report_progress(step, steps, f"step {step}")
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    async def confirm(question: str, ctx: Context) -> str:
        answer = await ctx.elicit(question, {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]})
        return f"{answer['action']}: {answer.get('content')}"

    def confirm_sync(question: str, ctx: Context) -> str:
        answer = ctx.elicit_sync(question)
        return answer["action"]

    async def on_elicit(params: dict) -> dict:
        asked.append(params)
        return {"action": "accept", "content": {"ok": True}}

    async with MCPManager(tools=[work, confirm, confirm_sync], on_elicit=on_elicit) as m:
        seen: list[Progress] = []
        three = asyncio.Event()

        def progress(p: Progress) -> None:
            seen.append(p)
            if p.progress == 3:
                three.set()

        call = asyncio.ensure_future(m.execute_tool("work", {"steps": 3}, on_progress=progress))
        await asyncio.wait_for(three.wait(), 20)
        assert [(p.progress, p.total, p.message) for p in seen] == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
        call.cancel()
        await asyncio.wait_for(cancelled.wait(), 20)
        assert (await m.execute_tool("confirm", {"question": "Go?"})).text == "accept: {'ok': True}"
        assert (await m.execute_tool("confirm_sync", {"question": "Sure?"})).text == "accept"
        assert [a["message"] for a in asked] == ["Go?", "Sure?"]


async def test_upstream_questions_are_answered_by_python_callbacks_concurrently() -> None:
    both_asked = asyncio.Barrier(2) if hasattr(asyncio, "Barrier") else None
    seen: list[str] = []

    async def on_elicit(params: dict) -> dict:
        seen.append(params["message"])
        if both_asked is not None and params["message"] != "Sure?":
            await asyncio.wait_for(both_asked.wait(), 20)  # both questions are open at once
        if params["message"] == "Sure?":
            return {"action": "accept", "content": {"sure": True}}
        return {"action": "accept", "content": {"answer": params["message"].upper()}}

    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}, on_elicit=on_elicit) as m:
        one, two = await asyncio.gather(m.execute_tool("fx__ask", {"question": "one"}), m.execute_tool("fx__ask", {"question": "two"}))
        assert (one.text, two.text) == ("ONE (sure: true)", "TWO (sure: true)")
        assert sorted(seen) == ["Sure?", "Sure?", "one", "two"]


async def test_binary_payloads_numpy_in_bytes_out() -> None:
    def digest(data: bytes) -> dict:
        """The size and SHA-256 of the data."""
        return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    def picture(size: int) -> Binary:
        return Binary(bytes(range(size)), "image/png")

    def raw(size: int) -> bytes:
        return b"\x00\xff" * size

    array = np.arange(100_000, dtype=np.float64).reshape(1000, 100)
    everything = {"command": NODE, "args": [EVERYTHING, "stdio"]}
    async with MCPManager({"mcpServers": {"everything": everything}}, tools=[digest, picture, raw]) as m:
        result = await m.execute_tool("digest", {"data": array})
        assert result.structured == {"size": array.nbytes, "sha256": hashlib.sha256(array.tobytes()).hexdigest()}
        column = array[:, 3]  # not contiguous: copied once through memoryview
        result = await m.execute_tool("digest", {"data": column})
        assert result.structured["sha256"] == hashlib.sha256(column.tobytes()).hexdigest()
        result = await m.execute_tool("digest", {"data": memoryview(b"abc")})
        assert result.structured["size"] == 3
        image = await m.execute_tool("picture", {"size": 256})
        assert image.binary[0].mime_type == "image/png" and image.data == bytes(range(256))
        blob = await m.execute_tool("raw", {"size": 4})
        assert blob.data == b"\x00\xff" * 4 and blob.binary[0].kind == "resource"
        tiny = await m.execute_tool("everything__get-tiny-image")
        assert tiny.data is not None and tiny.data[:8] == b"\x89PNG\r\n\x1a\n"
        assert np.frombuffer(image.data, dtype=np.uint8).sum() == sum(range(256))


async def test_tools_added_later_are_offered_at_once() -> None:
    tools = ToolRegistry()

    @tools.tool
    def first() -> str:
        return "1"

    async with MCPManager(tools=tools) as m:
        assert [t.name for t in await m.list_tools()] == ["first"]

        @tools.tool(description="The second one.")
        def second() -> str:
            return "2"

        async def listed() -> bool:
            return len(await m.list_tools()) == 2

        await eventually(listed)
        assert (await m.execute_tool("second")).text == "2"


async def test_regression_tools_registered_in_a_loop_cost_a_few_listings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each registration tells the engine of a change; it listed the tools once per change (1,000
    registrations: 1,001 listings of up to 1,001 tools, six seconds of work after the last)."""
    listings = 0
    request = ToolServer._request

    async def counted(self: ToolServer, method: str, params: dict, request_id: object) -> object:
        nonlocal listings
        if method == "tools/list":
            listings += 1
        return await request(self, method, params, request_id)

    monkeypatch.setattr(ToolServer, "_request", counted)
    tools = ToolRegistry()

    @tools.tool
    def first() -> str:
        return "1"

    async with MCPManager(tools=tools) as m:
        for i in range(300):

            def numbered(x: int = 0) -> int:
                return x

            numbered.__name__ = f"tool_{i}"
            tools.tool(numbered)

        async def offered() -> bool:
            return len(await m.list_tools()) == 301

        await eventually(offered)
        # Until the engine stops asking (a listing takes milliseconds; one per change went on
        # for seconds).
        seen = -1
        for _ in range(100):
            if listings == seen:
                break
            seen = listings
            await asyncio.sleep(0.2)
        assert listings <= 3, f"{listings} listings"
        assert (await m.execute_tool("tool_299", {"x": 7})).text == "7"


async def test_sampling_questions_of_an_upstream_are_answered_by_a_sync_callback() -> None:
    asked: list[dict] = []

    def on_sample(params: dict) -> dict:
        asked.append(params)  # a plain function: it runs in a worker thread
        return {"role": "assistant", "content": {"type": "text", "text": "forty-two"}, "model": "python-callback"}

    everything = {"command": NODE, "args": [EVERYTHING, "stdio"]}
    async with MCPManager({"mcpServers": {"everything": everything}}, on_sample=on_sample) as m:
        result = await m.execute_tool("everything__trigger-sampling-request", {"prompt": "the answer?"})
        assert "forty-two" in result.text
        assert "the answer?" in asked[0]["messages"][0]["content"]["text"]


async def test_results_json_cannot_carry_as_such_are_converted_as_fastmcp_does() -> None:
    # Regression: a set was sent as its repr ("{1, 2, 3}"), a generator as "<generator object ...>",
    # dataclasses in a list as "Box(width=1, height=1)", and a set inside a dict failed the call
    # ("the answer cannot be sent as JSON").
    def a_set() -> object:
        return {3, 1, 2}

    def squares() -> object:
        return (n * n for n in range(4))

    async def boxes() -> object:
        return [Box(1), Box(2, 3)]

    def nested() -> object:
        return {"tags": frozenset(["a"]), "box": Box(4), "pair": (1, "two"), "color": Color.BLUE, 7: np.int64(5)}

    class Model:
        """What pydantic models offer (pydantic is not a dependency): model_dump(mode="json")."""

        def model_dump(self, mode: str) -> dict:
            return {"mode": mode, "at": {1, 2}}

    def model() -> object:
        return Model()

    def endless() -> object:
        loop: dict = {}
        loop["self"] = loop
        return loop

    def failing() -> object:
        yield 1
        raise ValueError("ran out")

    async with MCPManager(tools=[a_set, squares, boxes, nested, model, endless, failing]) as m:
        assert sorted(json.loads((await m.execute_tool("a_set")).text)) == [1, 2, 3]
        assert (await m.execute_tool("squares")).text == "[0, 1, 4, 9]"
        assert (await m.execute_tool("boxes")).text == '[{"width": 1, "height": 1}, {"width": 2, "height": 3}]'
        result = await m.execute_tool("nested")
        assert result.structured == {"tags": ["a"], "box": {"width": 4, "height": 1}, "pair": [1, "two"], "color": "blue", "7": 5}
        assert (await m.execute_tool("model")).structured == {"mode": "json", "at": [1, 2]}
        # What cannot be converted is the tool's error, not the caller's wait or the engine's.
        assert (await m.execute_tool("endless")).text == "ValueError: the result nests deeper than 200 levels (does it hold itself?)"
        assert (await m.execute_tool("failing")).text == "ValueError: ran out"
