/**
 * Workload 7: cold start over stdio, the time from spawn to the first reply of one request,
 * median of several runs. The request is written at once; the server reads it when ready.
 * Modern peers get a tools/call echo with the envelope; legacy-only SDK v1 gets initialize,
 * the first request it can answer.
 */
import { StdioDriver } from '../drivers/stdio.ts';
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, initializeCall } from '../lib/protocol.ts';
import { median } from '../lib/stats.ts';
import { fmtMs } from '../report/format.ts';
import { STDIO_ECHO, type PeerKey, type StdioTarget } from '../targets.ts';
import { failedRow, progress } from './rows.ts';
import type { Row, Settings, WorkloadResult } from './types.ts';

async function once(target: StdioTarget): Promise<number> {
  const started = performance.now();
  const driver = StdioDriver.spawn(target.command, target.era);
  try {
    const legacy = target.era === 'legacy';
    const { reply, receivedAt } = await driver.call(legacy ? initializeCall() : echoCall(SMALL_TEXT), 30_000);
    const result = (reply as { result?: Record<string, unknown> }).result;
    const problem = result === undefined ? `error reply ${JSON.stringify(reply).slice(0, 200)}` : legacy ? undefined : echoed(SMALL_TEXT)(result);
    if (problem !== undefined) throw new Error(problem);
    return receivedAt - started;
  } finally {
    await driver.close();
  }
}

export async function coldStart(settings: Settings): Promise<WorkloadResult> {
  const peers: PeerKey[] = settings.quick ? ['mcp-core', 'bare'] : ['mcp-core', 'bare', 'sdk-v1', 'sdk-v2', 'rmcp', 'python'];
  const rows: Row[] = [];
  for (const key of peers) {
    const target = STDIO_ECHO[key]!;
    let row: Row;
    if (target.unavailable !== undefined) row = failedRow(target, target.unavailable);
    else {
      try {
        await once(target); // untimed: fills the page cache, like every later start
        const times: number[] = [];
        for (let i = 0; i < settings.coldRuns; i++) times.push(await once(target));
        const mid = median(times);
        row = { key, mode: target.mode, value: mid, cells: [fmtMs(mid), fmtMs(Math.min(...times)), fmtMs(Math.max(...times))], errors: 0, problems: [] };
      } catch (error) {
        row = failedRow(target, (error as Error).message);
      }
    }
    progress('cold-start', target, row);
    rows.push(row);
  }
  return {
    id: 'cold-start',
    title: 'Cold start to first response, stdio',
    description: `Spawn, write one request, time until its reply arrives; one untimed run, then the median of ${settings.coldRuns} runs.`,
    unit: 'ms',
    higherIsBetter: false,
    columns: ['median ms', 'min ms', 'max ms'],
    rows,
    notes: ['bare Node is a script with readline + JSON on the same Node binary: the floor for any Node server.', 'SDK v1 answers initialize (it needs the handshake); the others answer a tools/call echo.'],
  };
}
