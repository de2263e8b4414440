/** The official Python SDK 1.x FastMCP server of test/fixtures/fastmcp1-server.py, over HTTP. */
import { join } from 'node:path';
import { ROOT, startUrlServer, type RunningServer } from './processes.ts';
import { pythonOf } from './python.ts';

const SCRIPT = join(ROOT, 'test/fixtures/fastmcp1-server.py');

/**
 * Starts the FastMCP 1.x peer (on `port`, or a free one) and waits for its URL. `stop()`
 * kills it at once, as a crash would: uvicorn's graceful stop waits for open SSE streams.
 */
export function startFastMcp1(port = 0): Promise<RunningServer> {
  return startUrlServer(pythonOf('mcp1'), [SCRIPT, String(port)], 'SIGKILL');
}
