/**
 * Workload 5: tools/list of a server with 1,000 tools (echo and 999 small ones, each with a
 * one-property object input schema), over stdio and over modern stateless HTTP.
 */
import { listedTools } from '../lib/check.ts';
import { forEra, modernHeaders, toolsListCall } from '../lib/protocol.ts';
import { httpTools, stdioTools } from '../targets.ts';
import { measureHttp, withHttpServer } from './http-runner.ts';
import { LOAD_COLUMNS, progress } from './rows.ts';
import { runStdio } from './stdio-runner.ts';
import type { Row, Settings, WorkloadResult } from './types.ts';

export async function toolsListStdio(settings: Settings): Promise<WorkloadResult> {
  const rows: Row[] = [];
  for (const target of stdioTools(settings.toolsCount)) {
    const row = await runStdio(target, {
      call: toolsListCall(),
      check: listedTools(settings.toolsCount),
      inflight: settings.toolsInflight,
      warmupMs: settings.stdioWarmupMs,
      durationMs: settings.stdioMs,
    });
    progress('tools-list-stdio', target, row);
    rows.push(row);
  }
  return {
    id: 'tools-list-stdio',
    title: `tools/list with ${settings.toolsCount.toLocaleString('en-US')} tools, stdio`,
    description:
      `tools/list over stdio, ${settings.toolsInflight} in flight, every reply checked to list all ${settings.toolsCount} tools in one page; ` +
      `${settings.stdioWarmupMs} ms warm-up, then ${settings.stdioMs} ms measured. mcp-core runs a bench-only server script on its McpServer API.`,
    unit: 'req/s',
    higherIsBetter: true,
    columns: LOAD_COLUMNS,
    rows,
    notes: ['SDK schemas are zod (converted to JSON Schema by the SDK); mcp-core takes JSON Schema directly. Same properties either way.'],
  };
}

export async function toolsListHttp(settings: Settings): Promise<WorkloadResult> {
  const rows: Row[] = [];
  const call = forEra(toolsListCall(), 'modern');
  for (const target of httpTools(settings.toolsCount)) {
    const row = await withHttpServer(target, ({ url }) =>
      measureHttp(target, settings, { url, headers: modernHeaders(call), call, check: listedTools(settings.toolsCount), connections: settings.toolsInflight }),
    );
    progress('tools-list-http', target, row);
    rows.push(row);
  }
  return {
    id: 'tools-list-http',
    title: `tools/list with ${settings.toolsCount.toLocaleString('en-US')} tools, HTTP modern`,
    description:
      `Modern stateless tools/list over Streamable HTTP, ${settings.toolsInflight} autocannon connections; ` +
      `${settings.httpWarmupS} s warm-up, then ${settings.httpS} s measured.`,
    unit: 'req/s',
    higherIsBetter: true,
    columns: LOAD_COLUMNS,
    rows,
    notes: ['createMcpHandler builds a fresh server from the factory for every request, so SDK v2 registers all tools per request, as its design prescribes.'],
  };
}
