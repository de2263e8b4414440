/**
 * Cold start over stdio, the time from spawn to the first reply of one request. The request is
 * written at once; the server reads it when ready. Modern peers get a tools/call echo with the
 * envelope; legacy-only SDK v1 gets initialize, the first request it can answer.
 */
import { StdioDriver } from '../drivers/stdio.ts';
import { echoed } from '../lib/check.ts';
import { onServerCores } from '../lib/cores.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, initializeCall } from '../lib/protocol.ts';
import { fmtMs } from '../report/format.ts';
import { STDIO_ECHO, type StdioTarget } from '../targets.ts';
import { measureRows, type RowSpec, type Trial } from './runner.ts';
import type { Workload } from './types.ts';

const PEERS = ['mcp-core', 'bare', 'sdk-v1', 'sdk-v2', 'rmcp', 'python'] as const;

async function once(target: StdioTarget): Promise<Trial> {
  const started = performance.now();
  const driver = StdioDriver.spawn(onServerCores(target.command), target.era);
  try {
    const legacy = target.era === 'legacy';
    const { reply, receivedAt } = await driver.call(legacy ? initializeCall() : echoCall(SMALL_TEXT), 30_000);
    const result = (reply as { result?: Record<string, unknown> }).result;
    const problem = result === undefined ? `error reply ${JSON.stringify(reply).slice(0, 200)}` : legacy ? undefined : echoed(SMALL_TEXT)(result);
    if (problem !== undefined) return { value: NaN, metrics: {}, errors: 1, problems: [problem], failure: problem };
    return { value: receivedAt - started, metrics: {}, errors: 0, problems: [] };
  } finally {
    await driver.close();
  }
}

export const coldStart: Workload = {
  id: 'cold-start',
  group: 'cold-start',
  async run(settings) {
    // One untimed start first fills the page cache, as for every later start.
    const specs: RowSpec[] = PEERS.map((key) => ({ target: STDIO_ECHO[key], open: async () => ({ warmup: () => once(STDIO_ECHO[key]), trial: () => once(STDIO_ECHO[key]), close: async () => {} }) }));
    return {
      id: 'cold-start',
      title: 'Cold start to first response, stdio',
      description: `Spawn, write one request, time until its reply arrives; one untimed start, then ${settings.coldRuns} starts, taking turns with the other peers.`,
      unit: 'ms',
      higherIsBetter: false,
      columns: ['median ms', 'min-max ms'],
      rows: await measureRows('cold-start', specs, settings.coldRuns, (m) => [fmtMs(m.value), `${fmtMs(Math.min(...m.samples))}-${fmtMs(Math.max(...m.samples))}`]),
      notes: [
        'bare Node is a script with readline + JSON on the same Node binary: the floor for any Node server.',
        'SDK v1 answers initialize (it needs the handshake); the others answer a tools/call echo.',
        'Every server is started through taskset (pinned to its core), which adds the same exec of taskset to every start.',
      ],
    };
  },
};
