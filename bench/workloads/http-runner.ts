/** Starting an HTTP target on a free loopback port, using it, and always stopping it. */
import { httpLoad } from '../drivers/http.ts';
import type { ResultCheck } from '../lib/check.ts';
import { freePort, HOST, waitForPort } from '../lib/net.ts';
import { requestBody, type RpcCall } from '../lib/protocol.ts';
import { startProcess, type Command, type ServerProcess } from '../lib/process.ts';
import type { HttpTarget } from '../targets.ts';
import { failedRow, loadRow } from './rows.ts';
import type { Row, Settings } from './types.ts';

export interface HttpMeasure {
  url: string;
  headers: Record<string, string>;
  call: RpcCall;
  check: ResultCheck;
  connections: number;
  /** Give every request its own id (required inside a session). */
  uniqueIds?: boolean;
}

/** Loads one served target with autocannon for the run's warm-up and duration; one table row. */
export async function measureHttp(target: HttpTarget, settings: Settings, measure: HttpMeasure): Promise<Row> {
  const { call, ...rest } = measure;
  return loadRow(target, await httpLoad({ ...rest, body: requestBody(1, call), id: 1, warmupSeconds: settings.httpWarmupS, durationSeconds: settings.httpS }));
}

export interface RunningServer {
  url: string;
  server: ServerProcess;
}

export async function withHttpServer(
  target: HttpTarget,
  use: (running: RunningServer) => Promise<Row>,
  env: Record<string, string> = {},
): Promise<Row> {
  if (target.unavailable !== undefined) return failedRow(target, target.unavailable);
  const port = await freePort();
  const base = target.command(port);
  const command: Command = { ...base, env: { ...base.env, ...env } };
  const server = startProcess(command);
  try {
    try {
      await waitForPort(port, 20_000, server.exited);
    } catch (error) {
      return failedRow(target, `could not start: ${(error as Error).message}; ${server.stderrTail().slice(-400)}`);
    }
    const row = await use({ url: `http://${HOST}:${port}/mcp`, server });
    if (row.failure !== undefined && server.stderrTail()) row.failure += `; server stderr: ${server.stderrTail().slice(-300)}`;
    return row;
  } catch (error) {
    return failedRow(target, `${(error as Error).message}; ${server.stderrTail().slice(-300)}`);
  } finally {
    await server.stop();
  }
}
