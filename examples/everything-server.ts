/**
 * The conformance "everything server": every feature the official conformance suite
 * exercises, in both eras, built on the public API. Run it with
 *
 *   node examples/everything-server.ts --port 3000     (or --stdio; --websocket adds WebSocket on /mcp)
 *
 * and point `npm run conformance` (or the suite directly) at http://127.0.0.1:3000/mcp.
 */
import { parseArgs } from 'node:util';
import { McpServer } from '../src/server/server.ts';
import { serveHttp } from '../src/transport/http/node.ts';
import { StdioServerTransport } from '../src/transport/stdio.ts';
import { ServerConnection } from '../src/server/connection.ts';
import type { RequestContext } from '../src/server/context.ts';
import { randomUUID } from 'node:crypto';
import { ErrorCode, McpError, missingClientCapability } from '../src/protocol/wire-errors.ts';

// A 1x1 red PNG and a minimal WAV, as the suite's reference server uses.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const NO_ARGS = { type: 'object', properties: {} } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

function textOf(answer: unknown, field: string): string {
  const value = (answer as { content?: Record<string, unknown> } | undefined)?.content?.[field];
  return typeof value === 'string' ? value : 'unknown';
}

function form(message: string, properties: Record<string, unknown>, required: string[] = Object.keys(properties)) {
  return { mode: 'form' as const, message, requestedSchema: { type: 'object' as const, properties, required } as never };
}

export function createEverythingServer(): McpServer {
  const server = new McpServer({
    name: 'mcp-core-everything',
    version: '1.0.0',
    instructions: 'The mcp-core conformance server: every feature, both eras.',
    cache: { list: { ttlMs: 300_000, cacheScope: 'public' }, read: { ttlMs: 300_000, cacheScope: 'private' } },
  });

  // ---- content -------------------------------------------------------------------------------
  server.tool('test_simple_text', { description: 'Tests simple text content response', inputSchema: NO_ARGS }, () => 'This is a simple text response for testing.');
  server.tool('test_image_content', { description: 'Tests image content response', inputSchema: NO_ARGS }, () => [
    { type: 'image', data: PNG, mimeType: 'image/png' },
  ]);
  server.tool('test_audio_content', { description: 'Tests audio content response', inputSchema: NO_ARGS }, () => [
    { type: 'audio', data: WAV, mimeType: 'audio/wav' },
  ]);
  server.tool('test_embedded_resource', { description: 'Tests embedded resource content response', inputSchema: NO_ARGS }, () => [
    { type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } },
  ]);
  server.tool('test_multiple_content_types', { description: 'Tests response with multiple content types (text, image, resource)', inputSchema: NO_ARGS }, () => [
    { type: 'text', text: 'Multiple content types test:' },
    { type: 'image', data: PNG, mimeType: 'image/png' },
    { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
  ]);
  server.tool('test_error_handling', { description: 'Tests error response handling', inputSchema: NO_ARGS }, () => {
    throw new Error('This tool intentionally returns an error for testing');
  });

  // ---- logging and progress ------------------------------------------------------------------
  server.tool('test_tool_with_logging', { description: 'Tests tool that emits log messages during execution', inputSchema: NO_ARGS }, async (_args, ctx) => {
    ctx.log('info', 'Tool execution started');
    await sleep(50);
    ctx.log('info', 'Tool processing data');
    await sleep(50);
    ctx.log('info', 'Tool execution completed');
    return 'Tool with logging executed successfully';
  });
  server.tool('test_logging_tool', { description: 'Logs only when the request asked for a log level', inputSchema: NO_ARGS }, (_args, ctx) => {
    ctx.log('info', 'Diagnostic trace logging activated');
    return 'Logging evaluated';
  });
  server.tool('test_tool_with_progress', { description: 'Tests tool that reports progress notifications', inputSchema: NO_ARGS }, async (_args, ctx) => {
    for (const step of [0, 50, 100]) {
      ctx.progress(step, 100, `Completed step ${step} of 100`);
      if (step < 100) await sleep(50);
    }
    return String(ctx.progressToken ?? 0);
  });
  server.tool('test_streaming_elicitation', { description: 'Streams progress before its result', inputSchema: NO_ARGS }, async (_args, ctx) => {
    ctx.progress(50, 100);
    return 'Streaming complete';
  });

  server.tool('test_reconnection', { description: 'Closes its SSE connection mid-call; the result arrives after the client resumes (SEP-1699)', inputSchema: NO_ARGS }, async (_args, ctx) => {
    ctx.closeStream();
    await sleep(100);
    return 'Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.';
  });

  // ---- input from the client (legacy requests / modern MRTR) ---------------------------------
  server.tool(
    'test_sampling',
    { description: 'Tests server-initiated sampling (LLM completion request)', inputSchema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] } },
    async ({ prompt }, ctx) => {
      const result = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 });
      const content = result.content as { text?: string };
      return `LLM response: ${content?.text ?? 'No response'}`;
    },
  );
  server.tool(
    'test_elicitation',
    { description: 'Tests server-initiated elicitation (user input request)', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
    async ({ message }, ctx) => {
      const result = await ctx.elicit({
        message,
        requestedSchema: {
          type: 'object',
          properties: { username: { type: 'string', description: "User's response" }, email: { type: 'string', description: "User's email address" } },
          required: ['username', 'email'],
        },
      });
      return `User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
    },
  );
  server.tool('test_elicitation_sep1034_defaults', { description: 'Tests elicitation with default values per SEP-1034', inputSchema: NO_ARGS }, async (_args, ctx) => {
    const result = await ctx.elicit({
      message: 'Please review and update the form fields with defaults',
      requestedSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'User name', default: 'John Doe' },
          age: { type: 'integer', description: 'User age', default: 30 },
          score: { type: 'number', description: 'User score', default: 95.5 },
          status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
          verified: { type: 'boolean', description: 'Verification status', default: true },
        },
        required: [],
      },
    });
    return `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
  });
  server.tool('test_elicitation_sep1330_enums', { description: 'Tests elicitation with enum schema improvements per SEP-1330', inputSchema: NO_ARGS }, async (_args, ctx) => {
    const result = await ctx.elicit({
      message: 'Please select options from the enum fields',
      requestedSchema: {
        type: 'object',
        properties: {
          untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            description: 'Select one option with titles',
            oneOf: [
              { const: 'value1', title: 'First Option' },
              { const: 'value2', title: 'Second Option' },
              { const: 'value3', title: 'Third Option' },
            ],
          },
          legacyEnum: { type: 'string', description: 'Select one option (legacy)', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
          untitledMulti: { type: 'array', description: 'Select multiple options', minItems: 1, maxItems: 3, items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
          titledMulti: {
            type: 'array',
            description: 'Select multiple options with titles',
            minItems: 1,
            maxItems: 3,
            items: {
              anyOf: [
                { const: 'value1', title: 'First Choice' },
                { const: 'value2', title: 'Second Choice' },
                { const: 'value3', title: 'Third Choice' },
              ],
            },
          },
        },
        required: [],
      } as never,
    });
    return `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
  });

  // ---- multi round-trip requests (modern) ------------------------------------------------------
  server.tool('test_missing_capability', { description: 'Requires the sampling capability', inputSchema: NO_ARGS }, (_args, ctx) => {
    if (ctx.clientCapabilities.sampling === undefined) throw missingClientCapability({ sampling: {} });
    return 'Success';
  });
  server.tool('test_input_required_result_elicitation', { description: 'MRTR: asks for a name', inputSchema: NO_ARGS }, async (_args, ctx) => {
    const answer = await ctx.elicit(form('What is your name?', { name: { type: 'string' } }), { key: 'user_name' });
    return `Hello, ${textOf(answer, 'name')}!`;
  });
  server.tool('test_input_required_result_sampling', { description: 'MRTR: asks for a completion', inputSchema: NO_ARGS }, async (_args, ctx) => {
    const answer = await ctx.sample(
      { messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 },
      { key: 'sample_request' },
    );
    const text = (answer.content as { text?: unknown })?.text;
    return `Sampling result: ${typeof text === 'string' ? text : 'no response'}`;
  });
  server.tool('test_input_required_result_list_roots', { description: 'MRTR: asks for roots', inputSchema: NO_ARGS }, async (_args, ctx) => {
    const answer = await ctx.listRoots({ key: 'roots_request' });
    return `Found ${Array.isArray(answer.roots) ? answer.roots.length : 0} root(s)`;
  });
  server.tool('test_input_required_result_request_state', { description: 'MRTR: carries requestState', inputSchema: NO_ARGS }, async (_args, ctx) => {
    await ctx.elicit(form('Please confirm', { ok: { type: 'boolean' } }), { key: 'confirm' });
    return 'state-ok: requestState validated';
  });
  server.tool('test_input_required_result_multiple_inputs', { description: 'MRTR: three inputs at once', inputSchema: NO_ARGS }, async (_args, ctx) => {
    const [user, greeting, roots] = await Promise.all([
      ctx.elicit(form('What is your name?', { name: { type: 'string' } }), { key: 'user_name' }),
      ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }, { key: 'greeting' }),
      ctx.listRoots({ key: 'client_roots' }),
    ]);
    const text = (greeting.content as { text?: unknown })?.text;
    return `Name: ${textOf(user, 'name')}; Greeting: ${typeof text === 'string' ? text : 'Hello there!'}; Roots: ${roots.roots?.length ?? 0}`;
  });
  server.tool('test_input_required_result_multi_round', { description: 'MRTR: two questions in turn', inputSchema: NO_ARGS }, async (_args, ctx) => {
    const name = textOf(await ctx.elicit(form('Step 1: What is your name?', { name: { type: 'string' } }), { key: 'step1' }), 'name');
    const color = textOf(await ctx.elicit(form('Step 2: What is your favorite color?', { color: { type: 'string' } }), { key: 'step2' }), 'color');
    return `Multi-round complete for ${name} who likes ${color}`;
  });
  server.tool('test_input_required_result_tampered_state', { description: 'MRTR: requestState integrity', inputSchema: NO_ARGS }, async (_args, ctx) => {
    await ctx.elicit(form('Please confirm', { ok: { type: 'boolean' } }), { key: 'confirm' });
    return 'integrity-ok: state verified';
  });
  server.tool('test_input_required_result_capabilities', { description: 'MRTR: asks only for what the client supports', inputSchema: NO_ARGS }, async (_args, ctx) => {
    const asks: Array<Promise<unknown>> = [];
    if (ctx.clientCapabilities.elicitation) asks.push(ctx.elicit(form('Elicitation input', { value: { type: 'string' } }), { key: 'elicit_input' }));
    if (ctx.clientCapabilities.sampling) {
      asks.push(ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Sample request' } }], maxTokens: 50 }, { key: 'sample_input' }));
    }
    if (asks.length === 0) return 'No supported capabilities declared';
    await Promise.all(asks);
    return `capabilities-ok: received ${Object.keys(ctx.inputResponses ?? {}).join(',')}`;
  });

  // ---- list changes ----------------------------------------------------------------------------
  let dynamicTool: ReturnType<McpServer['tool']> | undefined;
  server.tool('test_trigger_tool_change', { description: 'Adds or removes a tool', inputSchema: NO_ARGS }, () => {
    if (dynamicTool) {
      dynamicTool.remove();
      dynamicTool = undefined;
    } else {
      dynamicTool = server.tool('test_dynamic_tool', { description: 'Appears and disappears', inputSchema: NO_ARGS }, () => 'dynamic');
    }
    return 'Mutation triggered';
  });
  let dynamicPrompt: ReturnType<McpServer['prompt']> | undefined;
  server.tool('test_trigger_prompt_change', { description: 'Adds or removes a prompt', inputSchema: NO_ARGS }, () => {
    if (dynamicPrompt) {
      dynamicPrompt.remove();
      dynamicPrompt = undefined;
    } else {
      dynamicPrompt = server.prompt('test_dynamic_prompt', { description: 'Appears and disappears' }, () => 'dynamic');
    }
    return 'Mutation triggered';
  });

  // ---- tasks extension (SEP-2663) ------------------------------------------------------------
  server.tool(
    'greet',
    { description: 'Greets synchronously; never a task', inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    ({ name }) => `Hello, ${name}!`,
  );
  server.tool(
    'slow_compute',
    {
      description: 'Works for the given seconds; a task when the client supports tasks',
      inputSchema: { type: 'object', properties: { seconds: { type: 'number', minimum: 0 }, label: { type: 'string' } } },
      taskSupport: 'optional',
    },
    async ({ seconds = 0, label = 'job' }, ctx) => {
      await abortableSleep(seconds * 1000, ctx.signal);
      return `Computed ${label} in ${seconds}s`;
    },
  );
  server.tool('failing_job', { description: 'A task whose tool fails (isError)', inputSchema: NO_ARGS, taskSupport: 'required' }, async (_args, ctx) => {
    await abortableSleep(1000, ctx.signal);
    throw new Error('The job failed');
  });
  server.tool('protocol_error_job', { description: 'A task that ends in a protocol error', inputSchema: NO_ARGS, taskSupport: 'required' }, async (_args, ctx) => {
    await abortableSleep(200, ctx.signal);
    throw new McpError(ErrorCode.InternalError, 'The job hit an internal error');
  });
  server.tool(
    'confirm_delete',
    {
      description: 'Asks for confirmation through the task, then deletes',
      inputSchema: { type: 'object', properties: { filename: { type: 'string' } }, required: ['filename'] },
      taskSupport: 'required',
    },
    async ({ filename }, ctx) => {
      await ctx.continueAsTask();
      const answer = await ctx.elicit(form(`Delete ${filename}?`, { confirm: { type: 'boolean' } }), { key: `confirm-${randomUUID()}` });
      return answer.action === 'accept' && answer.content?.confirm === true ? `Deleted ${filename}` : `Kept ${filename}`;
    },
  );
  server.tool('multi_input', { description: 'Waits for two answers at once', inputSchema: NO_ARGS, taskSupport: 'required' }, async (_args, ctx) => {
    await ctx.continueAsTask();
    const [first, second] = await Promise.all([
      ctx.elicit(form('First answer', { name: { type: 'string' }, confirm: { type: 'boolean' } }, []), { key: 'first' }),
      ctx.elicit(form('Second answer', { name: { type: 'string' }, confirm: { type: 'boolean' } }, []), { key: 'second' }),
    ]);
    return `Got ${textOf(first, 'name')} and ${textOf(second, 'name')}`;
  });
  server.tool('test_tool_with_task', { description: 'Asks for a name (MRTR), then works as a task', inputSchema: NO_ARGS, taskSupport: 'required' }, async (_args, ctx) => {
    const answer = await ctx.elicit(form('What is your name?', { name: { type: 'string' } }), { key: 'user_name' });
    const name = textOf(answer, 'name');
    await abortableSleep(100, ctx.signal);
    return `Hello, ${name}!`;
  });

  // ---- parameters mirrored into headers (SEP-2243) ---------------------------------------------
  server.tool(
    'test_header_params',
    {
      description: 'Mirrors its region and priority into Mcp-Param-* headers',
      inputSchema: {
        type: 'object',
        properties: {
          region: { type: 'string', 'x-mcp-header': 'Region' },
          priority: { type: 'integer', 'x-mcp-header': 'Priority' },
          query: { type: 'string' },
        },
        required: ['region'],
      },
    },
    ({ region, priority, query }) => `region=${region} priority=${priority ?? '-'} query=${query ?? '-'}`,
  );

  // ---- JSON Schema 2020-12 (SEP-1613, SEP-2106): schemas are kept exactly as registered ----------
  server.tool(
    'json_schema_2020_12_tool',
    {
      description: 'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)',
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
        properties: {
          name: { type: 'string' },
          address: { $ref: '#/$defs/address' },
          contactMethod: { type: 'string', enum: ['phone', 'email'] },
          phone: { type: 'string' },
          email: { type: 'string' },
        },
        allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
        if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
        then: { required: ['phone'] },
        else: { required: ['email'] },
        additionalProperties: false,
      },
    },
    (args) => `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`,
  );

  // ---- resources -------------------------------------------------------------------------------
  server.resource('test://static-text', { name: 'static-text', title: 'Static Text Resource', description: 'A static text resource for testing', mimeType: 'text/plain' }, () =>
    'This is the content of the static text resource.',
  );
  server.resource('test://static-binary', { name: 'static-binary', title: 'Static Binary Resource', description: 'A static binary resource (image) for testing', mimeType: 'image/png' }, (uri) => ({
    uri,
    mimeType: 'image/png',
    blob: PNG,
  }));
  server.resourceTemplate(
    'test://template/{id}/data',
    { name: 'template', title: 'Resource Template', description: 'A resource template with parameter substitution', mimeType: 'application/json' },
    (uri, { id }) => ({ uri, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }),
  );
  server.resource('test://watched-resource', { name: 'watched-resource', title: 'Watched Resource', description: 'A resource that can be subscribed to', mimeType: 'text/plain' }, () =>
    'Watched resource content',
  );

  // ---- prompts ---------------------------------------------------------------------------------
  server.prompt('test_simple_prompt', { title: 'Simple Test Prompt', description: 'A simple prompt without arguments' }, () => 'This is a simple prompt for testing.');
  server.prompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt With Arguments',
      description: 'A prompt with required arguments',
      arguments: [
        { name: 'arg1', description: 'First test argument', required: true },
        { name: 'arg2', description: 'Second test argument', required: true },
      ],
    },
    ({ arg1, arg2 }) => `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`,
  );
  server.prompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt With Embedded Resource',
      description: 'A prompt that includes an embedded resource',
      arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
    },
    ({ resourceUri }) => [
      { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
      { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
    ],
  );
  server.prompt('test_prompt_with_image', { title: 'Prompt With Image', description: 'A prompt that includes image content' }, () => [
    { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
    { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
  ]);
  server.prompt('test_input_required_result_prompt', { description: 'MRTR: prompt that requires elicitation input' }, async (_args, ctx: RequestContext) => {
    const answer = await ctx.elicit(form('What context should the prompt use?', { context: { type: 'string' } }), { key: 'user_context' });
    return `Prompt with context: ${textOf(answer, 'context')}`;
  });

  return server;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      stdio: { type: 'boolean', default: false },
      websocket: { type: 'boolean', default: false },
    },
  });
  if (values.stdio) {
    new ServerConnection(createEverythingServer(), new StdioServerTransport(), { onClose: () => process.exit(0) }).start();
  } else {
    const listener = await serveHttp(createEverythingServer(), { host: values.host, port: Number(values.port), websocket: values.websocket ? {} : undefined });
    process.stdout.write(`everything server at ${listener.url}\n`);
    if (listener.websocketUrl !== undefined) process.stdout.write(`and over WebSocket at ${listener.websocketUrl}\n`);
  }
}
