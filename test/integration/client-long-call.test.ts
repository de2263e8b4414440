/**
 * A call runs to its own timeout, however long: undici's timers (300 s for an answer's
 * headers, 300 s between two pieces of its body) are off for the HTTP client's requests, which
 * the client times itself (its request timeout, restarted by progress, and its total cap). The
 * 300 s pass on undici's own clock, moved on by its test hook (`util/timers` tick), while the
 * call waits for a real server in another process: nothing here waits 300 s.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { startServe, type Served } from '../helpers/served.ts';

/** undici's clock of its coarse timers (the headers and body timeouts run on it). */
const undiciTimers = createRequire(import.meta.url)('undici/lib/util/timers.js') as { tick(delay?: number): void };

describe('HTTP client: a call longer than 300 s', () => {
  let served: Served;
  before(async () => {
    served = await startServe(['--http', '127.0.0.1:0']);
  });
  after(() => {
    served.process.kill();
  });

  for (const era of ['modern', 'legacy'] as const) {
    it(`is answered after 301 s of undici's clock (${era} era, a plain JSON answer)`, async () => {
      const client = new McpClient({ name: 'long', version: '1.0.0', era, requestTimeoutMs: 3_600_000 });
      try {
        await client.connect(new StreamableHttpClientTransport(new URL(served.url)));
        // No progress asked for: the server answers with one JSON body once the tool is done.
        const call = client.callTool('sleep', { ms: 1500 });
        await sleep(300);
        // The request is written and waits for its answer's headers: 301 s pass for undici.
        undiciTimers.tick(0);
        undiciTimers.tick(301_000);
        const result = await call;
        assert.deepEqual(result.content, [{ type: 'text', text: 'slept 1500 ms' }]);
      } finally {
        await client.close();
      }
    });
  }
});
