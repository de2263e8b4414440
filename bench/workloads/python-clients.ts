/**
 * Python clients: `execute_tool` of mcp_core's MCPManager against the official Python SDK's
 * client (`mcp` on PyPI) and the `fastmcp` client, each calling the echo tool of the same stdio
 * server (mcp-core's demo server) as fast as it can with 1 or 64 calls in flight. mcp_core
 * reaches the server through its engine (the server is the engine's upstream); the others
 * connect to it directly.
 *
 * The client is the load generator here, so a row's process tree (the Python client, and the
 * engine and server it starts) runs on the server core(s); its CPU is the "server CPU".
 */
import { createInterface } from 'node:readline';
import { onServerCores } from '../lib/cores.ts';
import { startProcess } from '../lib/process.ts';
import { PYTHON_CLIENTS, type PythonClientTarget } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { measureRows, type RowSpec, type Subject, type Trial } from './runner.ts';
import type { Workload } from './types.ts';

interface ClientRun {
  calls: number;
  seconds: number;
  errors: number;
  p50: number;
  p99: number;
  problem: string | null;
}

/** Opens the client driver (peers/python-clients/client.py) and runs it on command. */
function clientRow(target: PythonClientTarget, inflight: number, warmupMs: number, durationMs: number): RowSpec {
  return {
    target,
    open: async (): Promise<Subject> => {
      const server = startProcess(onServerCores(target.command(inflight)), 'pipe');
      const lines = createInterface({ input: server.child.stdout! })[Symbol.asyncIterator]();
      const next = async (): Promise<Record<string, unknown>> => {
        const line = await Promise.race([lines.next(), server.exited.then(() => ({ done: true, value: undefined }))]);
        if (line.done || line.value === undefined) throw new Error(`the client exited: ${server.stderrTail()}`);
        return JSON.parse(line.value) as Record<string, unknown>;
      };
      const run = async (ms: number): Promise<Trial> => {
        server.child.stdin!.write(`run ${ms}\n`);
        const result = (await next()) as unknown as ClientRun;
        return {
          value: result.calls / result.seconds,
          metrics: { p50: result.p50, p99: result.p99 },
          errors: result.errors,
          problems: result.problem === null ? [] : [result.problem],
          failure: result.calls === 0 ? `no call succeeded: ${result.problem ?? 'no reason given'}` : undefined,
        };
      };
      try {
        await next(); // {"ready": true}: connected, the server's tools listed
      } catch (error) {
        await server.stop();
        throw error;
      }
      return {
        pid: server.pid,
        warmup: () => run(warmupMs),
        trial: () => run(durationMs),
        close: async () => {
          server.child.stdin!.end('quit\n');
          await Promise.race([server.exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
          await server.stop();
        },
      };
    },
  };
}

export function pythonClients(inflight: number): Workload {
  const id = `python-clients-${inflight}`;
  return {
    id,
    group: 'python',
    async run(settings) {
      const specs = PYTHON_CLIENTS.map((target) => clientRow(target, inflight, settings.stdioWarmupMs, settings.stdioMs));
      return {
        id,
        title: `Python clients: execute_tool over stdio, ${inflight} in flight`,
        description:
          'tools/call echo from Python to mcp-core serve --stdio --demo: through mcp_core (MCPManager.execute_tool, the server as the engine\'s upstream), ' +
          `and directly with the official SDK's ClientSession and the fastmcp Client; ${inflight} call(s) in flight (asyncio tasks); ` +
          `${settings.stdioWarmupMs} ms warm-up, then ${settings.runs} runs of ${settings.stdioMs} ms.`,
        unit: 'req/s',
        higherIsBetter: true,
        columns: LOAD_COLUMNS,
        rows: await measureRows(id, specs, settings.runs, loadCells),
        notes: [
          'The client is the load: each row\'s whole process tree (Python, and the engine and the server it starts) shares the server core(s), so "server CPU" is all of it and "req per server CPU-second" is the fairest figure when other work took CPU.',
          'mcp_core does two hops per call (Python to its engine, the engine to the server) to the others\' one: the engine\'s gateway work is inside its figures.',
        ],
      };
    },
  };
}
