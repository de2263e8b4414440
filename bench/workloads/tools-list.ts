/**
 * tools/list of a server with 1,000 and with 1,001 tools (echo and small ones, each with a
 * one-property object input schema), over stdio and over modern stateless HTTP. One listing is
 * every page, following nextCursor to the last: a server whose page size is 1,000 answers 1,001
 * tools in two pages, and the result does not depend on where a peer's default page ends.
 * A listing counts when its pages hold every tool, each name once.
 */
import type { StdioDriver } from '../drivers/stdio.ts';
import { CURSOR_SLOT } from '../drivers/wrk.ts';
import { checkReply, toolsPage } from '../lib/check.ts';
import { forEra, modernHeaders, requestBody, toolsListCall } from '../lib/protocol.ts';
import { summarize } from '../lib/stats.ts';
import { httpTools, stdioTools } from '../targets.ts';
import { LIST_COLUMNS, listCells } from './columns.ts';
import { httpRow } from './http-runner.ts';
import { measureRows, type Trial } from './runner.ts';
import { stdioRowWith } from './stdio-runner.ts';
import type { Workload } from './types.ts';

const NOTES = [
  'Throughput counts whole listings (every page); latency is per page. mcp-core pages at 1,000 tools by default, so 1,001 tools take it two pages; peers that do not paginate answer one page.',
  'SDK schemas are zod (converted to JSON Schema by the SDK), the Python SDK derives them from type hints; mcp-core takes JSON Schema directly. Same properties either way.',
  'rmcp is not in this workload: its tools are declared at compile time (#[tool_router]), so a server of 1,000 generated tools would not be rmcp as its users write it.',
];

/** Lists every tool through the driver, page after page; returns the pages, or throws with the problem. */
async function listAll(driver: StdioDriver, total: number): Promise<number> {
  const names = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  do {
    const call = toolsListCall();
    if (cursor !== undefined) call.params.cursor = cursor;
    const { reply } = await driver.call(call, 60_000);
    pages++;
    const problem = checkReply(reply, (reply as { id?: unknown }).id, toolsPage);
    if (problem !== undefined) throw new Error(problem);
    const result = (reply as { result: { tools: Array<{ name: string }>; nextCursor?: string } }).result;
    for (const tool of result.tools) names.add(tool.name);
    cursor = result.nextCursor;
    if (pages > total) throw new Error('more pages than tools');
  } while (cursor !== undefined);
  if (names.size !== total) throw new Error(`listed ${names.size} distinct tools, expected ${total}`);
  return pages;
}

/** `inflight` listings at a time for `ms`; one run. */
async function listingLoad(driver: StdioDriver, total: number, inflight: number, ms: number): Promise<Trial> {
  const latencies: number[] = [];
  const problems = new Set<string>();
  let ok = 0;
  let failed = 0;
  let pages = 0;
  const started = performance.now();
  const deadline = started + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      const at = performance.now();
      try {
        // Not `pages += await ...`: that reads `pages` before the await and loses the other workers' pages.
        const listed = await listAll(driver, total);
        pages += listed;
        latencies.push(performance.now() - at);
        ok++;
      } catch (error) {
        failed++;
        problems.add((error as Error).message);
        if (failed > 20) return;
      }
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const latency = summarize(latencies);
  return {
    value: ok / seconds,
    metrics: { p50: latency.p50 / (pages / Math.max(ok, 1)), p99: latency.p99, requestsPerOp: ok > 0 ? pages / ok : NaN },
    errors: failed,
    problems: [...problems].slice(0, 5),
    failure: ok === 0 ? `no good listing: ${[...problems].join('; ')}` : undefined,
  };
}

export function toolsListStdio(total: number): Workload {
  const id = `tools-list-stdio-${total}`;
  return {
    id,
    group: 'tools',
    async run(settings) {
      const specs = stdioTools(total).map((target) =>
        stdioRowWith(target, async (driver) => ({
          warmup: () => listingLoad(driver, total, settings.toolsInflight, settings.stdioWarmupMs),
          trial: () => listingLoad(driver, total, settings.toolsInflight, settings.stdioMs),
        })),
      );
      return {
        id,
        title: `tools/list with ${total.toLocaleString('en-US')} tools, stdio`,
        description:
          `Whole listings (tools/list following nextCursor to the last page) over stdio, ${settings.toolsInflight} listings in flight; every page checked, every tool counted once; ` +
          `${settings.stdioWarmupMs} ms warm-up, then ${settings.runs} runs of ${settings.stdioMs} ms. mcp-core runs a bench-only server script on its McpServer API.`,
        unit: 'listings/s',
        higherIsBetter: true,
        columns: LIST_COLUMNS,
        rows: await measureRows(id, specs, settings.runs, listCells),
        notes: [...NOTES, 'The latency column is the median listing time divided by its pages.'],
      };
    },
  };
}

export function toolsListHttp(total: number): Workload {
  const id = `tools-list-http-${total}`;
  return {
    id,
    group: 'tools',
    async run(settings) {
      const call = forEra(toolsListCall(), 'modern');
      // The cursor slot opens params, so a page request is the same body with "cursor":"..." first.
      const body = requestBody(1, call).replace('"params":{', `"params":{${CURSOR_SLOT}`);
      const specs = httpTools(total).map((target) =>
        httpRow(target, settings, {
          connections: settings.toolsInflight,
          prepare: async () => ({
            headers: modernHeaders(call),
            body,
            ids: 1,
            expect: ['"tools":['],
            reject: ['"error":'],
            list: { needle: '"inputSchema":', total },
            check: toolsPage,
          }),
        }),
      );
      return {
        id,
        title: `tools/list with ${total.toLocaleString('en-US')} tools, HTTP modern`,
        description:
          `Whole listings (tools/list following nextCursor to the last page) over modern stateless Streamable HTTP from wrk, ${settings.toolsInflight} connections, one listing each at a time; ` +
          `every page checked in wrk, a sample parsed in full; ${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s.`,
        unit: 'listings/s',
        higherIsBetter: true,
        columns: LIST_COLUMNS,
        rows: await measureRows(id, specs, settings.runs, listCells),
        notes: [...NOTES, 'createMcpHandler builds a fresh server from the factory for every request, so SDK v2 registers all tools per request, as its design prescribes (its zod schemas are built once, outside the factory).'],
      };
    },
  };
}
