/**
 * Terminal injection and log forging through what peers control: a hostile MCP server's tool
 * names, titles, descriptions, results and errors, printed by `mcp-core tools` and `mcp-core
 * call`; an upstream's error in the gateway's log lines; a client's request id in the request
 * log. Text for people shows control characters escaped (`\x1b`, `\u202e`) and keeps a field
 * on its own line; JSON escapes them the JSON way and stays exact. Real processes: the CLI as a
 * child process against a real HTTP server written here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fixture, scratch, writeConfig } from '../helpers/gateway.ts';
import { callTool } from '../helpers/http.ts';
import { HostileServer, json } from '../helpers/hostile-http.ts';
import { CLI, startDemoHttp, startUrlServer } from '../helpers/processes.ts';

/**
 * What an attacker would send: a screen clear, an OSC 8 hyperlink whose target is not its
 * text, an OSC 52 clipboard write, CR and backspace to overwrite, a right-to-left override, C1
 * CSI (U+009B), NUL and DEL, and a newline followed by a record of the pretty log's shape.
 */
const EVIL = 'a\x1b[2J\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07\x1b]52;c;aGk=\x07\r\bX\u202egnp.exe\x9b31m\x00\x7f\n[12:00:00.000] INFO (1): forged';
/** How people are shown it. */
const EVIL_SHOWN = 'a\\x1b[2J\\x1b]8;;http://evil.example/\\x07click\\x1b]8;;\\x07\\x1b]52;c;aGk=\\x07\\r\\x08X\\u202egnp.exe\\x9b31m\\x00\\x7f\\n[12:00:00.000] INFO (1): forged';
/** Any character a terminal obeys, but a newline. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** A line that passes for a record of the pretty log. */
const FORGED_RECORD = /^\[12:00:00\.000\] INFO \(1\): forged/m;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stdout, stderr });
    });
  });
}

/** One line on stderr, `mcp-core: ...`, no stack, nothing raw. */
function assertOneLine(stderr: string, says: RegExp): void {
  const lines = stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^mcp-core: /);
  assert.match(lines[0], says);
  assert.doesNotMatch(stderr, /\n\s+at /, 'a stack trace');
  assert.doesNotMatch(stderr, RAW);
}

const OBJECT = { type: 'object' };

describe('a hostile server, through mcp-core tools and call', () => {
  const server = new HostileServer();
  let config: string;

  before(async () => {
    await server.start();
    server.handler = (message, res) => {
      const reply = (result: unknown) => json(res, { jsonrpc: '2.0', id: message.id, result });
      if (message.method === 'tools/list') {
        return reply({
          tools: [
            { name: `named${EVIL}`, title: EVIL, description: `${EVIL}\nsecond line`, inputSchema: OBJECT },
            // Not a string where one belongs: left out of the list, not printed.
            { name: 'described_by_object', description: { toString: 1 }, inputSchema: OBJECT },
            ...['text', 'structured', 'tool_error', 'error', 'error_object', 'dies', 'garbage', 'hangs', 'text_object'].map((name) => ({ name, inputSchema: OBJECT })),
          ],
        });
      }
      if (message.method !== 'tools/call') return res.writeHead(202).end();
      switch ((message.params as { name: string }).name) {
        case 'text':
          return reply({ content: [{ type: 'text', text: `${EVIL}\r\nline two\ttabbed` }, { type: 'image', data: 'AAAA', mimeType: EVIL }] });
        case 'structured':
          return reply({ content: [], structuredContent: { note: EVIL } });
        case 'tool_error':
          return reply({ content: [{ type: 'text', text: EVIL }], isError: true });
        case 'error':
          return json(res, { jsonrpc: '2.0', id: message.id, error: { code: -32603, message: EVIL } });
        case 'error_object':
          return json(res, { jsonrpc: '2.0', id: message.id, error: { code: -32603, message: { toString: 1 } } });
        case 'dies':
          return res.socket?.destroy();
        case 'garbage':
          return res.writeHead(200, { 'content-type': 'application/json' }).end(`{{{${EVIL}`);
        case 'hangs':
          return;
        case 'text_object':
          return reply({ content: [{ type: 'text', text: { toString: 1 } }] });
      }
    };
    config = await writeConfig(await scratch(), { mcpServers: { up: { url: server.url, timeoutMs: 1000 } } });
  });

  after(() => server.close());

  it('tools shows control characters in names and descriptions escaped, one line per tool; --json keeps them exact', async () => {
    const listed = await run(['tools', '--config', config]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.doesNotMatch(listed.stdout, RAW);
    assert.doesNotMatch(listed.stdout, FORGED_RECORD);
    const lines = listed.stdout.split('\n').slice(0, -1);
    assert.equal(lines.length, 10, listed.stdout);
    // The description's first line ends at EVIL's own newline.
    assert.equal(lines[0], `up__named${EVIL_SHOWN}  ${EVIL_SHOWN.slice(0, EVIL_SHOWN.indexOf('\\n'))}`);
    assert.equal(lines[1], 'up__text');

    const asJson = await run(['tools', '--config', config, '--json']);
    assert.equal(asJson.code, 0, asJson.stderr);
    assert.doesNotMatch(asJson.stdout, RAW);
    const tools = JSON.parse(asJson.stdout) as Array<{ name: string; title?: string; description?: string }>;
    assert.deepEqual([tools[0].name, tools[0].title, tools[0].description], [`up__named${EVIL}`, EVIL, `${EVIL}\nsecond line`]);
    assert.equal(tools.length, 10);
    assert.ok(!tools.some((tool) => tool.name === 'up__described_by_object'));
    // Printed a tool at a time, the text is what JSON.stringify makes of the whole list, escapes aside.
    assert.equal(asJson.stdout, `${JSON.stringify(tools, null, 2).replace(/[\u007f-\u009f\u202e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`);
  });

  it('call prints a text result with its control characters escaped and its lines kept; --json keeps them exact', async () => {
    const called = await run(['call', 'up__text', '--config', config]);
    assert.equal(called.code, 0, called.stderr);
    assert.doesNotMatch(called.stdout.replaceAll('\r\n', '\n').replaceAll('\t', ''), RAW);
    // A tool's text has lines of its own (its newline, its CRLF and tab are kept); a lone CR is shown.
    const [text, image] = called.stdout.split(/\n(?=\{)/);
    assert.equal(text, `${EVIL_SHOWN.replace('\\n[12', '\n[12')}\r\nline two\ttabbed`);
    assert.equal(JSON.parse(image).mimeType, EVIL);

    const asJson = await run(['call', 'up__text', '--config', config, '--json']);
    assert.equal(asJson.code, 0, asJson.stderr);
    assert.doesNotMatch(asJson.stdout, RAW);
    assert.deepEqual(JSON.parse(asJson.stdout).content, [
      { type: 'text', text: `${EVIL}\r\nline two\ttabbed` },
      { type: 'image', data: 'AAAA', mimeType: EVIL },
    ]);

    const structured = await run(['call', 'up__structured', '--config', config]);
    assert.equal(structured.code, 0, structured.stderr);
    assert.doesNotMatch(structured.stdout, RAW);
    assert.deepEqual(JSON.parse(structured.stdout), { note: EVIL });

    const failed = await run(['call', 'up__tool_error', '--config', config]);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, `${EVIL_SHOWN.replace('\\n[12', '\n[12')}\n`);
  });

  it('call exits 1 with one escaped line, no stack, for an error answer, a server that dies mid-call, answers garbage or never answers', async () => {
    const error = await run(['call', 'up__error', '--config', config]);
    assert.equal(error.code, 1);
    assertOneLine(error.stderr, /^mcp-core: a\\x1b\[2J/);
    assert.ok(error.stderr.includes(EVIL_SHOWN), error.stderr);

    for (const [tool, says] of [
      ['error_object', /malformed|Expected a JSON-RPC message/],
      ['dies', /unavailable \(dead\)/],
      ['garbage', /unavailable \(dead\).*\{\{\{a\\x1b\[2J/],
      ['hangs', /did not answer in time .*1000 ms/],
      ['text_object', /malformed result/],
    ] as const) {
      const failed = await run(['call', `up__${tool}`, '--config', config]);
      assert.equal(failed.code, 1, `${tool}: ${failed.stdout}${failed.stderr}`);
      // An upstream's failure is an isError result: printed on stdout, on one line, escaped.
      const said = failed.stdout === '' ? failed.stderr : `mcp-core: ${failed.stdout}`;
      assertOneLine(said, says);
    }

    // (No NUL: a command line cannot hold one.)
    const unknown = await run(['call', 'up__nope\x1b[2J\u202e\n', '--config', config]);
    assert.equal(unknown.code, 2, 'a tool not offered is a usage error');
    assertOneLine(unknown.stderr, /^mcp-core: Unknown tool: up__nope\\x1b\[2J\\u202e\\n$/);
  });

  it('call exits 1 with one line for a stdio server that exits mid-call', async () => {
    const stdio = await writeConfig(await scratch(), { mcpServers: { fx: fixture() } });
    const crashed = await run(['call', 'fx__crash', '--config', stdio]);
    assert.equal(crashed.code, 1, crashed.stderr);
    assertOneLine(`mcp-core: ${crashed.stdout}`, /unavailable \(dead\): Server process exited/);
  });
});

/** Answers every request with a JSON-RPC error whose message is EVIL: discovery and the handshake fail with it. */
async function failingServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => json(res, { jsonrpc: '2.0', id: (JSON.parse(body) as { id?: unknown }).id ?? null, error: { code: -32603, message: EVIL } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

describe('peer text in the log', () => {
  it("a gateway's pretty log keeps an upstream's error on its record's line, escaped; its JSON log keeps it exact", async () => {
    const { url, server } = await failingServer();
    try {
      const config = await writeConfig(await scratch(), { mcpServers: { bad: { url } }, gateway: { watch: false } });
      for (const format of ['pretty', 'json']) {
        const gateway = await startUrlServer(process.execPath, [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0'], 'SIGTERM', { ...process.env, MCP__LOGGING__FORMAT: format });
        await gateway.stop();
        const log = gateway.stderr();
        assert.doesNotMatch(log, RAW, format);
        assert.doesNotMatch(log, FORGED_RECORD, format);
        if (format === 'pretty') {
          const record = log.split('\n').find((line) => line.includes('bad is not connected'));
          assert.ok(record?.endsWith(`(dead): ${EVIL_SHOWN}`), log);
        } else {
          const record = log
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as { msg: string })
            .find((line) => line.msg.startsWith('bad is not connected'));
          assert.ok(record?.msg.endsWith(`(dead): ${EVIL}`), log);
        }
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("the request log shows a client's request id escaped in pretty lines and exact in JSON lines", async () => {
    for (const format of ['pretty', 'json']) {
      const served = await startDemoHttp([], { MCP__LOGGING__LEVEL: 'info', MCP__LOGGING__FORMAT: format });
      try {
        assert.equal((await callTool(served.url, EVIL, 'echo', { text: 'hi' })).status, 200);
      } finally {
        await served.stop();
      }
      const log = served.stderr();
      assert.doesNotMatch(log, RAW, format);
      assert.doesNotMatch(log, FORGED_RECORD, format);
      if (format === 'pretty') assert.ok(log.includes(`id: ${JSON.stringify(EVIL).replace(/[\u007f-\u009f\u202e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`), log);
      else {
        const request = log
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as { msg: string; id: unknown })
          .find((line) => line.msg === 'request');
        assert.equal(request?.id, EVIL);
      }
    }
  });
});
