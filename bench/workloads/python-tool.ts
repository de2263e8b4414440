/**
 * A Python function served as an MCP tool: by mcp-core's engine (`python -m mcp_core serve`)
 * and by the official Python SDK (its MCPServer, FastMCP's successor, on uvicorn), the same
 * echo function, over Streamable HTTP in the modern era (stateless), 1 and 64 in flight.
 */
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, forEra, modernHeaders, requestBody } from '../lib/protocol.ts';
import { HTTP_PYTHON_TOOL } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { httpRow } from './http-runner.ts';
import { ECHO_EXPECT, ECHO_REJECT } from './http-modern.ts';
import { measureRows } from './runner.ts';
import type { Workload } from './types.ts';

export function pythonTool(connections: number): Workload {
  const id = `python-tool-${connections}`;
  return {
    id,
    group: 'python',
    async run(settings) {
      const call = forEra(echoCall(SMALL_TEXT), 'modern');
      const specs = HTTP_PYTHON_TOOL.map((target) =>
        httpRow(target, settings, {
          connections,
          prepare: async () => ({ headers: modernHeaders(call), body: requestBody(1, call), ids: 1, expect: ECHO_EXPECT, reject: ECHO_REJECT, check: echoed(SMALL_TEXT) }),
        }),
      );
      return {
        id,
        title: `A Python tool over HTTP (2026-07-28 stateless echo), ${connections} in flight`,
        description:
          'POST /mcp tools/call echo (modern envelope and headers) to a Python echo function served by mcp-core\'s engine (python -m mcp_core serve) ' +
          `and by the official Python SDK; wrk with ${connections} connection(s); ${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s.`,
        unit: 'req/s',
        higherIsBetter: true,
        columns: LOAD_COLUMNS,
        rows: await measureRows(id, specs, settings.runs, loadCells),
        notes: [
          'Both run the same plain (synchronous) function. mcp_core\'s row runs the Python process and its engine on the server core: HTTP, JSON-RPC and validation in the engine, the function in Python, one pipe between them.',
        ],
      };
    },
  };
}
