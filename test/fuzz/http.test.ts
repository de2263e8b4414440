/**
 * Fuzzing the Streamable HTTP handler: any method, path, headers and body, over real HTTP
 * against a `mcp-core serve --demo` process, and through the fetch face with real Request
 * objects. Oracle: never a 5xx but 503 (a bound), JSON bodies are JSON-RPC with a client error
 * code or a result, a JSON-RPC request gets its own id back, and a known-good call still works
 * after every case.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createFetchHandler } from '../../src/transport/http/fetch.ts';
import { callTool, MODERN_META, openSession } from '../helpers/http.ts';
import { startDemoHttp, type RunningServer } from '../helpers/processes.ts';
import { excerpt, message, shownAs } from './support/arbitraries.ts';
import { expectationOf, problemWith } from './support/oracle.ts';
import { fuzzParameters } from './support/runs.ts';
import { fuzzServer } from './support/server.ts';

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const absent = fc.constant(undefined);
const headerValue = (values: string[]) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }, { weight: 2, arbitrary: absent });

/** Requests an attacker (or a confused client) would send; POSTs with JSON-RPC bodies mostly. */
function fuzzRequest(sessions: () => string[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, { weight: 2, arbitrary: fc.constantFrom('GET', 'DELETE', 'OPTIONS', 'PUT', 'PATCH', 'HEAD') }),
      path: fc.oneof({ weight: 8, arbitrary: fc.constant('/mcp') }, { weight: 1, arbitrary: fc.constantFrom('/mcp?x=1', '/', '/other', '/mcp/', '/healthz', '/readyz', '/MCP') }),
      contentType: headerValue(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded']),
      accept: headerValue(['application/json, text/event-stream', 'application/json', 'text/event-stream', '*/*']),
      version: headerValue(['2026-07-28', '2025-11-25', '2025-03-26', '2099-01-01']),
      mcpMethod: headerValue(['tools/call', 'tools/list', 'initialize', 'resources/read']),
      mcpName: headerValue(['echo', 'route', 'demo://readme', '=?base64?ZWNobw==?=', '=?base64?!!?=']),
      region: headerValue(['us-west1', '=?base64?dXMtd2VzdDE=?=']),
      session: fc.oneof({ weight: 2, arbitrary: absent }, { weight: 2, arbitrary: fc.nat(3) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }),
      lastEventId: headerValue(['x.1', 'nope', '']),
      origin: headerValue(['http://127.0.0.1', 'http://localhost:3000', 'https://evil.example', 'null']),
      host: fc.oneof({ weight: 6, arbitrary: absent }, { weight: 1, arbitrary: fc.constantFrom('evil.example', 'localhost', '127.0.0.1:1') }),
      body: fc.oneof(
        { weight: 10, arbitrary: message.map((m) => m.text) },
        // Batches: served in sessions of 2025-03-26 (the second session), refused elsewhere.
        { weight: 2, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }).map((batch) => `[${batch.map((m) => m.text).join(',')}]`) },
        { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
        { weight: 1, arbitrary: fc.constantFrom('', '{', '[]', 'null', '{"jsonrpc":"2.0"') },
      ),
    })
    .map((r) => {
      const headers: Record<string, string> = {};
      const set = (name: string, value: string | undefined) => {
        if (value !== undefined) headers[name] = value;
      };
      set('content-type', r.contentType);
      set('accept', r.accept);
      set('mcp-protocol-version', r.version);
      set('mcp-method', r.mcpMethod);
      set('mcp-name', r.mcpName);
      set('mcp-param-region', r.region);
      set('last-event-id', r.lastEventId);
      set('origin', r.origin);
      set('host', r.host);
      if (typeof r.session === 'number') set('mcp-session-id', sessions()[r.session % sessions().length]);
      else set('mcp-session-id', r.session);
      const sent = { method: r.method, path: r.path, headers, body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body };
      return shownAs(sent, () => `${sent.method} ${sent.path} ${JSON.stringify(headers)} ${JSON.stringify(excerpt(sent.body ?? ''))}`);
    });
}

interface FuzzResponse {
  status: number;
  type: string;
  text: string;
}

/** Checks an answer to a fuzz request; streams are judged by their head and let go. */
function check(sent: FuzzRequest, response: FuzzResponse): void {
  const what = `${sent.method} ${sent.path} ${JSON.stringify(sent.headers)} ${String(sent.body).slice(0, 300)}`;
  assert.ok(response.status < 500 || response.status === 503, `status ${response.status}: ${response.text.slice(0, 300)} for ${what}`);
  if (!response.type.startsWith('application/json') || response.text === '') return;
  const body: unknown = JSON.parse(response.text);
  if (sent.path !== '/mcp' && sent.path !== '/mcp?x=1') return;
  let expected: string | number | undefined;
  if (sent.method === 'POST' && sent.body !== undefined) {
    try {
      const expectation = expectationOf(JSON.parse(sent.body));
      if (expectation.answer !== 'none') expected = expectation.id;
    } catch {
      // not JSON: a parse error without id
    }
  }
  const problem = problemWith(body, expected);
  // A refusal before the body is read (origin, media type, size) cannot know the id.
  const refusedEarly = problem !== undefined && problemWith(body, undefined) === undefined && response.status !== 200;
  assert.ok(problem === undefined || refusedEarly, `${problem}: ${response.text.slice(0, 300)} for ${what}`);
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * Sends one request. A keep-alive connection the server closed just as the request went out is
 * the well-known race every HTTP client meets (the server closes idle connections, see
 * http.headersTimeoutMs): such a request is sent again once, on a new connection. A server that
 * died is caught by the known-good call after each case.
 */
async function send(url: URL, sent: FuzzRequest): Promise<FuzzResponse> {
  try {
    return await sendOnce(url, sent, agent);
  } catch (error) {
    if ((error as { reusedSocket?: boolean }).reusedSocket !== true) throw error;
    return sendOnce(url, sent, false);
  }
}

function sendOnce(url: URL, sent: FuzzRequest, via: Agent | false): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof request>;
    try {
      req = request({ host: url.hostname, port: url.port, path: sent.path, method: sent.method, headers: sent.headers, agent: via }, (res) => {
        const type = String(res.headers['content-type'] ?? '');
        if (type.startsWith('text/event-stream')) {
          // A stream may stay open (a GET stream, a call waiting for input): its head is enough.
          res.destroy();
          resolve({ status: res.statusCode!, type, text: '' });
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, type, text }));
        res.on('error', reject);
      });
    } catch {
      // Header values node:http refuses to send (control characters): not a request at all.
      resolve({ status: 0, type: '', text: '' });
      return;
    }
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end(sent.body);
  });
}

describe('fuzz: HTTP, node face (a server process)', () => {
  let server: RunningServer;
  let sessions: string[] = [];
  before(async () => {
    server = await startDemoHttp();
    sessions = [await openSession(server.url), await openSession(server.url, '2025-03-26')];
  });
  after(async () => {
    agent.destroy();
    assert.equal(server.process.exitCode, null, 'the server is still running');
    await server.stop();
  });

  it('answers any request within the spec and keeps serving', async () => {
    const url = new URL(server.url);
    await fc.assert(
      fc.asyncProperty(fuzzRequest(() => sessions), async (sent) => {
        const response = await send(url, sent);
        if (response.status !== 0) check(sent, response);
        const good = await callTool(server.url, 1, 'echo', { text: 'still here' });
        assert.equal(good.json?.result?.content?.[0]?.text, 'still here', good.text);
      }),
      fuzzParameters('HTTP node face', 600),
    );
  });
});

describe('fuzz: HTTP, fetch face (in process)', () => {
  it('answers any Request within the spec', async () => {
    const failures: string[] = [];
    const handle = createFetchHandler(fuzzServer((error, { method }) => failures.push(`${method}: ${(error as Error)?.stack ?? String(error)}`)));
    await fc.assert(
      fc.asyncProperty(fuzzRequest(() => ['none']), async (sent) => {
        let request: Request;
        try {
          request = new Request(`http://127.0.0.1${sent.path}`, { method: sent.method, headers: { host: '127.0.0.1', ...sent.headers }, body: sent.body });
        } catch {
          return; // header values or bodies fetch itself refuses
        }
        const response = await handle(request);
        const type = response.headers.get('content-type') ?? '';
        let text = '';
        if (type.startsWith('text/event-stream')) await response.body?.cancel();
        else text = await response.text();
        check(sent, { status: response.status, type, text });
        assert.deepEqual(failures, []);
      }),
      fuzzParameters('HTTP fetch face', 1000),
    );
    const good = await handle(
      new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: { host: '127.0.0.1', 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'ok' }, _meta: MODERN_META } }),
      }),
    );
    assert.equal(((await good.json()) as { result: { content: Array<{ text: string }> } }).result.content[0].text, 'ok');
  });
});
