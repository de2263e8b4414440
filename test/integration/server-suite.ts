/**
 * One suite of server behaviour, run against every transport (in-memory, stdio, Streamable
 * HTTP) and both eras, all serving examples/everything-server.ts to mcp-core's own client.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientOptions, Era, McpClient } from '../../src/client/client.ts';
import type { JsonRpcNotification } from '../../src/protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { ErrorCode, McpError } from '../../src/protocol/wire-errors.ts';

export interface Connected {
  client: McpClient;
  close(): Promise<void>;
  /**
   * Legacy HTTP: resolves once the session's GET stream (where server-initiated notifications
   * go) is open. Transports without one leave it out.
   */
  streamOpen?: Promise<void>;
}

export type Connect = (options: Partial<ClientOptions> & { era: Era }) => Promise<Connected>;

/** Answers every kind of input request the everything server asks for. */
export const ANSWERS: Partial<ClientOptions> = {
  onElicit: (params) => ({ action: 'accept', content: { name: 'Zed', color: 'blue', username: `re: ${params.message}`, email: 'zed@example.com', ok: true } }),
  onSample: () => ({ role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'test-model' }),
  onListRoots: () => ({ roots: [{ uri: 'file:///workspace', name: 'workspace' }] }),
};

function text(result: { content?: Array<{ type: string; text?: string }> }): string | undefined {
  return result.content?.[0]?.text;
}

async function rejectsWith(promise: Promise<unknown>, code: number): Promise<McpError> {
  const error = await promise.then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof McpError, `expected McpError, got ${String(error)}`);
  assert.equal(error.code, code);
  return error;
}

function until<T>(predicate: () => T | undefined, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const value = predicate();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(poll, 10);
    };
    poll();
  });
}

export function serverSuite(transport: string, connect: Connect): void {
  for (const era of ['modern', 'legacy'] as const) {
    describe(`${transport}, ${era} era`, () => {
      const open = (options: Partial<ClientOptions> = {}) => connect({ ...ANSWERS, ...options, era });

      it('negotiates the era', async () => {
        const { client, close } = await open();
        try {
          assert.equal(client.era, era);
          assert.equal(client.protocolVersion, era === 'modern' ? '2026-07-28' : '2025-11-25');
          assert.equal(client.serverInfo?.name, 'mcp-core-everything');
          assert.deepEqual(client.serverCapabilities.tools, { listChanged: true });
        } finally {
          await close();
        }
      });

      it('lists tools in the same order every time', async () => {
        const { client, close } = await open();
        try {
          const first = (await client.listTools()).map((tool) => tool.name);
          const second = (await client.listTools()).map((tool) => tool.name);
          assert.deepEqual(first, second);
          assert.ok(first.includes('test_simple_text'));
          const schemaTool = (await client.listTools()).find((tool) => tool.name === 'json_schema_2020_12_tool');
          assert.equal(schemaTool?.inputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema', 'schemas are served as registered');
        } finally {
          await close();
        }
      });

      it('calls tools, and reports invalid arguments and failures as tool errors', async () => {
        const { client, close } = await open();
        try {
          assert.equal(text(await client.callTool('test_simple_text')), 'This is a simple text response for testing.');
          const invalid = await client.callTool('test_elicitation', { message: 42 });
          assert.equal(invalid.isError, true);
          assert.match(text(invalid) ?? '', /message must be string/);
          const failed = await client.callTool('test_error_handling');
          assert.equal(failed.isError, true);
          assert.equal(text(failed), 'This tool intentionally returns an error for testing');
          await rejectsWith(client.callTool('no_such_tool'), ErrorCode.InvalidParams);
        } finally {
          await close();
        }
      });

      it('reports progress for a request that asks for it', async () => {
        const { client, close } = await open();
        try {
          const seen: number[] = [];
          const result = await client.callTool('test_tool_with_progress', {}, { onProgress: (p) => seen.push(p.progress) });
          assert.deepEqual(seen, [0, 50, 100]);
          assert.ok(text(result));
        } finally {
          await close();
        }
      });

      it('gathers input from the client: elicitation, sampling, roots, several rounds', async () => {
        const { client, close } = await open();
        try {
          assert.equal(text(await client.callTool('test_sampling', { prompt: 'Capital of France?' })), 'LLM response: Paris');
          assert.match(text(await client.callTool('test_elicitation', { message: 'Ready?' })) ?? '', /action=accept/);
          assert.equal(text(await client.callTool('test_input_required_result_multi_round')), 'Multi-round complete for Zed who likes blue');
          assert.equal(text(await client.callTool('test_input_required_result_multiple_inputs')), 'Name: Zed; Greeting: Paris; Roots: 1');
        } finally {
          await close();
        }
      });

      it('serves resources, templates and their errors', async () => {
        const { client, close } = await open();
        try {
          const uris = (await client.listResources()).map((resource) => resource.uri);
          assert.ok(uris.includes('test://static-text'));
          const read = await client.readResource('test://static-text');
          assert.equal((read.contents as Array<{ text: string }>)[0].text, 'This is the content of the static text resource.');
          const templated = await client.readResource('test://template/42/data');
          assert.equal(JSON.parse((templated.contents as Array<{ text: string }>)[0].text).id, '42');
          // Resource not found: -32602 in the modern era, -32002 in the legacy one.
          const error = await rejectsWith(client.readResource('test://missing'), era === 'modern' ? ErrorCode.InvalidParams : ErrorCode.ResourceNotFound);
          assert.deepEqual(error.data, { uri: 'test://missing' });
        } finally {
          await close();
        }
      });

      it('serves prompts and checks their arguments', async () => {
        const { client, close } = await open();
        try {
          const prompt = await client.getPrompt('test_prompt_with_arguments', { arg1: 'a', arg2: 'b' });
          assert.equal((prompt.messages as Array<{ content: { text: string } }>)[0].content.text, "Prompt with arguments: arg1='a', arg2='b'");
          await rejectsWith(client.getPrompt('test_prompt_with_arguments', { arg1: 'a' }), ErrorCode.InvalidParams);
          const completion = await client.complete({ type: 'ref/prompt', name: 'test_prompt_with_arguments' }, { name: 'arg1', value: 'x' });
          assert.deepEqual(completion.completion, { values: [], total: 0, hasMore: false });
        } finally {
          await close();
        }
      });

      it('cancels a request and keeps serving', async () => {
        const { client, close } = await open();
        try {
          const controller = new AbortController();
          const slow = client.callTool('slow_compute', { seconds: 30 }, { signal: controller.signal });
          setTimeout(() => controller.abort(), 50);
          const error = await slow.then(
            () => assert.fail('expected cancellation'),
            (e: unknown) => e,
          );
          assert.ok(error instanceof McpLocalError && error.code === LocalErrorCode.Cancelled);
          assert.equal(text(await client.callTool('greet', { name: 'again' })), 'Hello, again!');
        } finally {
          await close();
        }
      });

      it('sends log messages only as the client asked', async () => {
        const messages: JsonRpcNotification[] = [];
        const { client, close } = await open({ onNotification: (n) => n.method === 'notifications/message' && messages.push(n) });
        try {
          if (era === 'legacy') {
            await client.callTool('test_tool_with_logging');
            await until(() => (messages.length === 3 ? true : undefined));
            await client.setLoggingLevel('error');
            await client.callTool('test_tool_with_logging');
            assert.equal(messages.length, 3, 'info messages are filtered out once the level is error');
          } else {
            await client.callTool('test_logging_tool');
            assert.equal(messages.length, 0, 'no logs without io.modelcontextprotocol/logLevel');
            await client.request('tools/call', { name: 'test_logging_tool', arguments: {}, _meta: { 'io.modelcontextprotocol/logLevel': 'info' } });
            await until(() => (messages.length === 1 ? true : undefined));
          }
        } finally {
          await close();
        }
      });

      it('notifies about list changes', async () => {
        const changes: string[] = [];
        const acks: JsonRpcNotification[] = [];
        const { client, close, streamOpen } = await open({
          onNotification: (n) => {
            if (n.method === 'notifications/subscriptions/acknowledged') acks.push(n);
            else if (n.method.endsWith('list_changed')) changes.push(n.method);
          },
        });
        const controller = new AbortController();
        let listening: Promise<unknown> | undefined;
        try {
          if (era === 'modern') {
            // subscriptions/listen stays open beside the other requests of the same client.
            listening = client
              .request('subscriptions/listen', { notifications: { toolsListChanged: true } }, { signal: controller.signal, timeoutMs: 0 })
              .catch(() => undefined);
            await until(() => (acks.length === 1 ? true : undefined));
            assert.deepEqual(acks[0].params?.notifications, { toolsListChanged: true });
          } else {
            await streamOpen; // HTTP opens its GET stream after the handshake
          }
          await client.callTool('test_trigger_tool_change');
          await until(() => (changes.includes('notifications/tools/list_changed') ? true : undefined));
          await client.callTool('test_trigger_tool_change');
        } finally {
          controller.abort();
          await listening;
          await close();
        }
      });

      if (era === 'modern') {
        it('runs a call as a task when the client opts in', async () => {
          const { client, close } = await open({ capabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } });
          try {
            const created = (await client.callTool('slow_compute', { seconds: 0.05, label: 'suite' })) as unknown as Record<string, unknown>;
            assert.equal(created.resultType, 'task');
            const taskId = created.taskId as string;
            let task: Record<string, unknown> = {};
            for (let i = 0; i < 100 && task.status !== 'completed'; i++) {
              task = await client.request('tasks/get', { taskId });
              if (task.status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 20));
            }
            assert.equal(task.status, 'completed');
            assert.equal((task.result as { content: Array<{ text: string }> }).content[0].text, 'Computed suite in 0.05s');
          } finally {
            await close();
          }
        });
      }
    });
  }
}
