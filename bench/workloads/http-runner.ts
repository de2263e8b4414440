/** Starting an HTTP target on a free loopback port, using it, and always stopping it. */
import { freePort, HOST, waitForPort } from '../lib/net.ts';
import { startProcess, type Command, type ServerProcess } from '../lib/process.ts';
import type { HttpTarget } from '../targets.ts';
import { failedRow } from './rows.ts';
import type { Row } from './types.ts';

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
