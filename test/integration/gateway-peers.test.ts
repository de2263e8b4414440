/**
 * A gateway (`mcp-core serve --config`) in front of real upstreams of both eras:
 * `@modelcontextprotocol/server-everything` over stdio (2025), an mcp-core demo server over
 * HTTP (2026-07-28), a server built with the official Python SDK over Streamable HTTP
 * (2026-07-28), and the test fixture over stdio (to count cancellations). The official clients
 * (TypeScript SDK v1 and v2, Python SDK), over stdio and HTTP, list every namespaced tool and
 * call tools of each upstream; progress, cancellation and elicitation cross in both eras.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { EVERYTHING, fixture, PYTHON_UPSTREAM, scratch, writeConfig } from '../helpers/gateway.ts';
import { waitForExit } from '../helpers/pids.ts';
import { children, CLI, ROOT, startDemoHttp, startUrlServer, type RunningServer } from '../helpers/processes.ts';
import { pythonOf } from '../helpers/python.ts';

const PYTHON_CLIENT = `${ROOT}/test/fixtures/python-client.py`;

interface AnyClient {
  listTools(): Promise<{ tools: Array<{ name: string }> }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }, schema?: unknown, options?: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

type Result = { content: Array<{ type: string; text: string }>; isError?: boolean };

function text(result: unknown): string {
  return (result as Result).content.map((block) => block.text).join('');
}

/** SDK v1 takes (params, resultSchema, options); v2 takes (params, options). */
function call(client: AnyClient, v1: boolean, name: string, args: Record<string, unknown>, options: Record<string, unknown> = {}): Promise<unknown> {
  return v1 ? client.callTool({ name, arguments: args }, undefined, options) : client.callTool({ name, arguments: args }, options);
}

const EXPECTED_TOOLS = ['everything__echo', 'everything__trigger-long-running-operation', 'demo__echo', 'demo__ask', 'python__reverse', 'python__confirm', 'fx__slow'];

async function exercise(client: AnyClient, v1: boolean): Promise<void> {
  const { tools } = await client.listTools();
  const names = tools.map((tool) => tool.name);
  for (const name of EXPECTED_TOOLS) assert.ok(names.includes(name), `${name} is listed (got ${names.join(', ')})`);
  assert.equal(text(await call(client, v1, 'everything__echo', { message: 'hi' })), 'Echo: hi');
  assert.equal(text(await call(client, v1, 'demo__echo', { text: 'hi' })), 'hi');
  assert.equal(text(await call(client, v1, 'python__reverse', { text: 'abc' })), 'cba');
}

describe('a gateway in front of three real upstreams, with the official clients', () => {
  let demo: RunningServer;
  let python: RunningServer;
  let gateway: RunningServer;
  let config: string;

  before(async () => {
    [demo, python] = await Promise.all([startDemoHttp(), startUrlServer(pythonOf('peers'), [PYTHON_UPSTREAM])]);
    config = await writeConfig(await scratch(), {
      mcpServers: {
        everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
        demo: { url: demo.url },
        python: { url: python.url },
        fx: fixture(),
      },
    });
    gateway = await startUrlServer(process.execPath, [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0']);
  });

  after(async () => {
    await Promise.all([gateway?.stop(), demo?.stop(), python?.stop()]);
  });

  const stdio = () => ({ command: process.execPath, args: [CLI, 'serve', '--stdio', '--config', config], stderr: 'ignore' as const });

  it('SDK v1 over stdio and over HTTP (2025-11-25)', async () => {
    for (const transport of [new StdioV1(stdio()), new HttpV1(new URL(gateway.url))]) {
      const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' });
      await client.connect(transport);
      try {
        await exercise(client as unknown as AnyClient, true);
      } finally {
        await client.close();
      }
    }
  });

  it('SDK v2 over stdio and over HTTP (2026-07-28)', async () => {
    for (const transport of [new StdioV2(stdio()), new HttpV2(new URL(gateway.url))]) {
      const client = new ClientV2({ name: 'sdk-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
      await client.connect(transport);
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
        await exercise(client as unknown as AnyClient, false);
      } finally {
        await client.close();
      }
    }
  });

  it('the Python SDK client over stdio and over HTTP, with progress and elicitation', async () => {
    const run = promisify(execFile);
    const targets = [['http', gateway.url], ['stdio', process.execPath, CLI, 'serve', '--stdio', '--config', config]];
    const outputs = await Promise.all(targets.map((target) => run(pythonOf('peers'), [PYTHON_CLIENT, ...target], { timeout: 60_000 })));
    for (const [index, { stdout }] of outputs.entries()) {
      const target = targets[index];
      const seen = JSON.parse(stdout) as Record<string, unknown>;
      for (const name of EXPECTED_TOOLS) assert.ok((seen.tools as string[]).includes(name), `${name} listed over ${target[0]}`);
      assert.equal(seen.everything, 'Echo: from python');
      assert.equal(seen.demo, 'from python');
      assert.equal(seen.python, 'cba');
      assert.equal(seen.count, 'counted to 3');
      assert.deepEqual(seen.progress, [1, 2, 3]);
      assert.equal(seen.confirm, 'confirmed: True');
    }
  });

  for (const [era, v1] of [['2025-11-25 (SDK v1)', true], ['2026-07-28 (SDK v2)', false]] as const) {
    it(`progress, cancellation and elicitation cross the gateway, caller in ${era}`, async () => {
      const client = (v1
        ? new ClientV1({ name: 'sdk-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } })
        : new ClientV2({ name: 'sdk-v2', version: '1.0.0' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'auto' } })) as unknown as AnyClient & {
        connect(transport: unknown): Promise<void>;
        setRequestHandler(schema: unknown, handler: (request: { params: { message: string } }) => unknown): void;
      };
      const questions: string[] = [];
      const answer = async (request: { params: { message: string } }) => {
        questions.push(request.params.message);
        // Each matches its question's requestedSchema: the gateway and the upstream check it.
        const content = request.params.message === 'Sure?' ? { sure: true } : /confirm/i.test(request.params.message) ? { confirmed: true } : /following fields/.test(request.params.message) ? { name: 'Ada' } : { answer: 'Ada' };
        return { action: 'accept', content };
      };
      client.setRequestHandler(v1 ? ElicitRequestSchema : 'elicitation/create', answer);
      await client.connect(v1 ? new HttpV1(new URL(gateway.url)) : new HttpV2(new URL(gateway.url)));
      try {
        // Progress from a 2025 stdio upstream and from a 2026 HTTP one.
        for (const [name, args] of [['everything__trigger-long-running-operation', { duration: 0.3, steps: 3 }], ['demo__sleep', { ms: 60 }]] as const) {
          const progress: number[] = [];
          await call(client, v1, name, args, { onprogress: ({ progress: value }: { progress: number }) => progress.push(value) });
          assert.ok(progress.length >= 3 && progress.every((value, i) => i === 0 || value > progress[i - 1]), `${name}: progress ${progress.join(', ')}`);
        }
        // Elicitation from a 2026 upstream (MRTR there; two questions in turn) and from the Python one.
        assert.equal(text(await call(client, v1, 'demo__ask', { question: 'Name?' })), 'Ada');
        assert.equal(text(await call(client, v1, 'python__confirm', { question: 'Please confirm' })), 'confirmed: True');
        // And from a 2025 stdio upstream (a server-to-client request there).
        assert.match(text(await call(client, v1, 'everything__trigger-elicitation-request', {})), /accept/);
        assert.ok(questions.includes('Name?') && questions.includes('Please confirm'), questions.join(' | '));
        // Cancellation: the caller gives up, the upstream's handler is stopped.
        const controller = new AbortController();
        const cancelled = call(client, v1, 'fx__slow', { ms: 3000 }, { signal: controller.signal, onprogress: () => controller.abort('enough') });
        await assert.rejects(cancelled);
        let stopped = 0;
        for (let i = 0; i < 100 && stopped === 0; i++) {
          stopped = Number(text(await call(client, v1, 'fx__stats', {})));
          if (stopped === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.ok(stopped >= 1, 'the upstream saw the cancellation');
      } finally {
        await client.close();
      }
    });
  }

  it('stopping the gateway leaves none of its upstream processes behind (checked by pid)', async () => {
    const own = await startUrlServer(process.execPath, [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0']);
    const pids = await children(own.process.pid!);
    assert.equal(pids.length, 2, 'everything and the fixture run as children');
    const grandchildren = (await Promise.all(pids.map(children))).flat();
    await own.stop();
    await waitForExit([own.process.pid!, ...pids, ...grandchildren]);
  });
});
