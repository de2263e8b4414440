/**
 * Answers to the server's questions given per request (RequestOptions.onElicit/onSample/
 * onListRoots) override the client's own, in both eras: modern InputRequiredResult rounds,
 * legacy server-to-client requests over HTTP (tied by the POST's stream) and over stdio (the
 * only request with a handler, else the client's; refused when ambiguous).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { McpClient, type ClientOptions } from '../../src/client/client.ts';
import type { ElicitResult } from '../../src/protocol/types.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { startFastMcp1 } from '../helpers/fastmcp1.ts';
import { ROOT, startHttpServer, type RunningServer } from '../helpers/processes.ts';

const EVERYTHING = join(ROOT, 'examples/everything-server.ts');
const PEERS = join(ROOT, 'test/fixtures/sdk-servers.ts');

/** An answer to test_elicitation's form (username, email), saying who answered. */
const accept = (who: string): ElicitResult => ({ action: 'accept', content: { username: who, email: 'user@example.com' } });
const textOf = (result: { content: unknown }) => (result.content as Array<{ text: string }>)[0].text;

/** Resolves once `count` parties have arrived: proves that calls were in flight together. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived === count) open();
    return opened;
  };
}

async function httpClient(url: string, options: Partial<ClientOptions>): Promise<McpClient> {
  const client = new McpClient({ name: 'input-test', version: '1.0.0', ...options });
  await client.connect(new StreamableHttpClientTransport(url));
  return client;
}

async function stdioClient(options: Partial<ClientOptions>): Promise<McpClient> {
  const client = new McpClient({ name: 'input-test', version: '1.0.0', ...options });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, '--stdio'], stderr: 'ignore' }));
  return client;
}

describe('per-request input handlers', () => {
  let server: RunningServer;
  before(async () => {
    server = await startHttpServer(EVERYTHING, ['--port', '0']);
  });
  after(() => server.stop());

  it('modern era: a request handler answers its own InputRequiredResult, over the client handler', async () => {
    const client = await httpClient(server.url, { onElicit: () => accept('from the client') });
    try {
      assert.equal(client.era, 'modern');
      const own = await client.callTool('test_elicitation', { message: 'q' }, { onElicit: () => accept('from the request') });
      assert.match(textOf(own), /from the request/);
      const shared = await client.callTool('test_elicitation', { message: 'q' });
      assert.match(textOf(shared), /from the client/);
    } finally {
      await client.close();
    }
  });

  it('modern era: a request handler alone declares its capability for that request', async () => {
    const client = await httpClient(server.url, {});
    try {
      const result = await client.callTool('test_input_required_result_list_roots', {}, { onListRoots: () => ({ roots: [{ uri: 'file:///a' }, { uri: 'file:///b' }] }) });
      assert.equal(textOf(result), 'Found 2 root(s)');
      const without = await client.callTool('test_input_required_result_list_roots', {}).catch((error: Error) => error);
      assert.ok(without instanceof Error, 'without a handler the server refuses for the missing capability');
    } finally {
      await client.close();
    }
  });

  it('legacy era over HTTP: concurrent calls each get their own answer (tied by the POST stream)', async () => {
    const client = await httpClient(server.url, { era: 'legacy', capabilities: { elicitation: {} }, onElicit: () => accept('from the client') });
    try {
      assert.equal(client.era, 'legacy');
      const arrive = barrier(2);
      const ask = (who: string) =>
        client.callTool('test_elicitation', { message: who }, {
          onElicit: async (params, context) => {
            assert.ok(context.signal instanceof AbortSignal);
            await arrive();
            return accept(`for ${params.message}`);
          },
        });
      const [first, second] = await Promise.all([ask('first'), ask('second')]);
      assert.match(textOf(first), /for first/);
      assert.match(textOf(second), /for second/);
      assert.match(textOf(await client.callTool('test_elicitation', { message: 'q' })), /from the client/);
    } finally {
      await client.close();
    }
  });
});

describe('per-request input handlers over legacy stdio (no tie in the spec)', () => {
  it('the only request in flight with a handler gets its questions', async () => {
    const client = await stdioClient({ era: 'legacy', capabilities: { elicitation: {} }, onElicit: () => accept('from the client') });
    try {
      const own = await client.callTool('test_elicitation', { message: 'q' }, { onElicit: () => accept('from the request') });
      assert.match(textOf(own), /from the request/);
      assert.match(textOf(await client.callTool('test_elicitation', { message: 'q' })), /from the client/);
    } finally {
      await client.close();
    }
  });

  it('several requests with handlers in flight: the client handler answers', async () => {
    const client = await stdioClient({ era: 'legacy', capabilities: { elicitation: {} }, onElicit: () => accept('from the client') });
    try {
      const results = await Promise.all(['a', 'b'].map((who) => client.callTool('test_elicitation', { message: who }, { onElicit: () => accept(`for ${who}`) })));
      for (const result of results) assert.match(textOf(result), /from the client/);
    } finally {
      await client.close();
    }
  });

  it('several requests with handlers in flight and no client handler: refused, never guessed', async () => {
    const client = await stdioClient({ era: 'legacy', capabilities: { elicitation: {} } });
    try {
      const results = await Promise.allSettled(['a', 'b'].map((who) => client.callTool('test_elicitation', { message: who }, { onElicit: () => accept(`for ${who}`) })));
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.match((result as PromiseRejectedResult).reason.message, /Cannot tell which request elicitation\/create belongs to/);
      }
    } finally {
      await client.close();
    }
  });
});

describe('a question the server withdraws (official TypeScript SDK v1 over stdio)', () => {
  it('notifications/cancelled for a server request aborts its handler\'s signal', async () => {
    const calls = new AbortController();
    let withdrawn!: (reason: unknown) => void;
    const aborted = new Promise<unknown>((resolve) => (withdrawn = resolve));
    const client = new McpClient({
      name: 'input-test',
      version: '1.0.0',
      // The client's own handler: only the server's cancellation can abort its signal.
      onElicit: (_params, { signal }) => {
        signal.addEventListener('abort', () => withdrawn(signal.reason), { once: true });
        calls.abort('changed my mind');
        return new Promise<ElicitResult>(() => undefined);
      },
    });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [PEERS, 'v1', 'stdio'], stderr: 'ignore' }));
    try {
      await assert.rejects(client.callTool('confirm', { question: 'Sure?' }, { signal: calls.signal }), /was cancelled/);
      assert.ok(await aborted, 'the handler was told, with the server\'s reason');
      assert.equal(textOf(await client.callTool('echo', { text: 'still fine' })), 'still fine');
    } finally {
      await client.close();
    }
  });
});

describe('per-request input handlers with the Python SDK 1.x (FastMCP over HTTP)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startFastMcp1();
  });
  after(() => server.stop());

  it('elicitation and roots are answered by the request handlers', async () => {
    const client = await httpClient(server.url, { era: 'legacy', capabilities: { elicitation: {}, roots: {} } });
    try {
      const confirmed = await client.callTool('confirm', { question: 'Ship it?' }, { onElicit: () => ({ action: 'accept', content: { confirm: true } }) });
      assert.equal(textOf(confirmed), 'Ship it? -> True');
      const declined = await client.callTool('confirm', { question: 'Ship it?' }, { onElicit: () => ({ action: 'decline' }) });
      assert.equal(textOf(declined), 'Ship it? -> decline');
      const roots = await client.callTool('roots', {}, { onListRoots: () => ({ roots: [{ uri: 'file:///work' }] }) });
      assert.equal(textOf(roots), 'file:///work');
    } finally {
      await client.close();
    }
  });
});
