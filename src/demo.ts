/**
 * The demo tools `mcp-core serve --demo` offers: enough to try a client against, and the
 * surface the benchmarks and integration tests call.
 */
import { describeValue } from './protocol/guards.ts';
import type { McpServer } from './server/server.ts';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function registerDemo(server: McpServer): void {
  server.tool(
    'echo',
    {
      description: 'Returns the text it is given.',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    ({ text }) => text,
  );

  server.tool(
    'add',
    {
      description: 'Adds two numbers.',
      inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
      outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
  );

  server.tool(
    'sleep',
    {
      description: 'Waits for the given milliseconds, reporting progress ten times; stops when cancelled.',
      inputSchema: { type: 'object', properties: { ms: { type: 'integer', minimum: 0, maximum: 600000 } }, required: ['ms'] },
      annotations: { readOnlyHint: true },
    },
    async ({ ms }, ctx) => {
      const steps = 10;
      for (let step = 1; step <= steps; step++) {
        await sleep(ms / steps, ctx.signal);
        ctx.progress(step, steps, `slept ${Math.round((ms * step) / steps)} ms`);
      }
      return `slept ${ms} ms`;
    },
  );

  server.tool(
    'fail',
    {
      description: 'Always fails, with a tool execution error (isError).',
      inputSchema: { type: 'object', properties: { message: { type: 'string' } } },
    },
    ({ message }) => ({ content: [{ type: 'text', text: message ?? 'This tool always fails.' }], isError: true }),
  );

  server.tool(
    'ask',
    {
      description: 'Asks the user a question (elicitation) and returns the answer.',
      inputSchema: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
    },
    async ({ question }, ctx) => {
      const reply = await ctx.elicit({
        message: question,
        requestedSchema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
      });
      // The answer is the client's: a string by the requested schema, but checked, not trusted.
      const answer = reply.content?.answer;
      return reply.action === 'accept' ? (typeof answer === 'string' ? answer : describeValue(answer)) : `(${describeValue(reply.action)})`;
    },
  );

  server.tool(
    'route',
    {
      description: 'Names the region a call is routed to. Over HTTP the region also travels in the Mcp-Param-Region header (x-mcp-header), for proxies to route on.',
      inputSchema: {
        type: 'object',
        properties: { region: { type: 'string', description: 'The region, e.g. us-west1', 'x-mcp-header': 'Region' } },
        required: ['region'],
      },
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    ({ region }) => `routed to ${region}`,
  );

  server.tool(
    'whoami',
    {
      description: 'Names the caller as the server sees it: the principal an edge hook (or the stdio config) gave, or anonymous.',
      inputSchema: { type: 'object' },
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    (_args, ctx) => ctx.auth?.subject ?? 'anonymous',
  );

  server.resource(
    'demo://readme',
    { name: 'readme', title: 'About this server', mimeType: 'text/markdown' },
    () => '# mcp-core demo\n\nTools: echo, add, sleep, fail, ask, route, whoami.\n',
  );

  server.prompt(
    'greet',
    { description: 'A greeting for someone.', arguments: [{ name: 'name', description: 'Who to greet', required: true }] },
    ({ name }) => `Please greet ${name} warmly.`,
  );
}
