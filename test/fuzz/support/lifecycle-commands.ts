/**
 * The client actions of the HTTP lifecycle fuzz target, ordinary and hostile, as fast-check
 * commands (those on streams are in lifecycle-streams.ts): each acts on the real server through
 * the {@link World}, checks what must hold of its own answer at once, and leaves calls and
 * streams running for later commands to hang up, cancel, resume or delete under. Targets
 * (sessions, calls, streams) are picked by index modulo what exists, so a shrunk sequence still
 * means something.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { MODERN_META } from '../../helpers/http.ts';
import { eventually, type LiveRequest } from './live-request.ts';
import { closeStream, listen, openGet, resume, type ResumeKind } from './lifecycle-streams.ts';
import {
  assertAnswered,
  auth,
  command,
  modernCall,
  otherThan,
  POST_HEADERS,
  sessionHeaders,
  type CallRef,
  type Command,
  type Principal,
  type SessionRef,
  type World,
} from './lifecycle-world.ts';

/** The body limit the target's server is given. */
export const MAX_BODY_BYTES = 8 * 1024;

const principal = fc.constantFrom<Principal>('alice', 'bob');
const index = fc.nat(7);
/** Now and then the caller is not the session's owner. */
const stranger = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

const TASKS_META = { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };

/** Whether the call's work reached its handler's wait (or asked its question): it is under way. */
function underway(world: World, call: CallRef): boolean {
  return world.gate.arrived.has(call.tag) || questionsOf(call).length > 0;
}

/** The elicitation requests the server sent on the call's connections. */
function questionsOf(call: CallRef): any[] {
  return [call.req, ...call.resumes].flatMap((req) => req.messages.filter((message) => message?.method === 'elicitation/create'));
}

/** Opens a session (and says it is initialized). */
export function initialize(owner: Principal, late: boolean, version: string, elicitation: boolean): Command {
  return command(`initialize(${owner}${late ? ', late edge' : ''}, ${version}${elicitation ? ', elicitation' : ''})`, async (world) => {
    const capabilities = elicitation ? { elicitation: {} } : {};
    const init = await world.exchange('initialize', {
      method: 'POST',
      headers: { ...POST_HEADERS, ...auth(owner, late) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: version, capabilities, clientInfo: { name: 'fuzz', version: '1' } } }),
    });
    // 503: every session this client may hold is in use (a small quota).
    assert.ok(init.status === 200 || init.status === 503, init.describe());
    if (init.status !== 200) return;
    const session: SessionRef = { id: String(init.headers!['mcp-session-id']), owner, version, deleted: false, calls: [] };
    world.sessions.push(session);
    const initialized = await world.exchange('initialized', {
      method: 'POST',
      headers: { ...POST_HEADERS, ...auth(owner, false), ...sessionHeaders(session) },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    assert.equal(initialized.status, 202, initialized.describe());
  });
}

type LegacyTool = 'hold' | 'ask' | 'whoami';

/** A call in a session, by its owner or a stranger; waits until it is under way or answered. */
function legacyCall(index: number, stranger: boolean, tool: LegacyTool, progress: boolean, detach: boolean, reuseId: boolean, late: boolean): Command {
  const shown = `legacyCall(session ${index}${stranger ? ' as a stranger' : ''}, ${tool}${progress ? ', progress' : ''}${detach ? ', detach' : ''}${reuseId ? ', reused id' : ''}${late ? ', late edge' : ''})`;
  return command(shown, async (world) => {
    const session = world.session(index);
    const caller = session === undefined ? 'alice' : stranger ? otherThan(session.owner) : session.owner;
    const previous = session?.calls.at(-1);
    const id = reuseId && previous !== undefined ? previous.id : world.nextId();
    const tag = `legacy-${world.calls.length}`;
    const params = { name: tool, arguments: { tag, progress, detach }, _meta: { progressToken: `p${id}` } };
    const req = world.send(`legacy call ${id} (${tag})`, {
      method: 'POST',
      headers: { ...POST_HEADERS, ...auth(caller, late), ...sessionHeaders(session) },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }),
    });
    const call: CallRef = { req, id, kind: 'legacy', tag, session, cancelled: false, holder: req, resumes: [], leftWhileRunning: false };
    world.calls.push(call);
    session?.calls.push(call);
    await req.until('answer or reach its tool', () => underway(world, call));
    if (!req.settled) return;
    assertAnswered(req);
    // 404: the session is gone or another's; 400: its id is in flight; 503: a bound.
    assert.ok([200, 400, 404, 503].includes(req.status!), req.describe());
    if (session === undefined || session.deleted || stranger) assert.ok(req.status === 404 || req.status === 503, req.describe());
  });
}

type ModernTool = 'hold' | 'whoami' | 'job';

/** A stateless call (`job`: as a task); waits until it is under way or answered. */
function modernCallOf(caller: Principal, tool: ModernTool, progress: boolean, late: boolean): Command {
  return command(`modernCall(${caller}, ${tool}${progress ? ', progress' : ''}${late ? ', late edge' : ''})`, async (world) => {
    const id = world.nextId();
    const tag = `modern-${world.calls.length}`;
    const meta = { ...(progress ? { progressToken: `p${id}` } : {}), ...(tool === 'job' ? TASKS_META : {}) };
    const { headers, body } = modernCall(id, tool, { tag, progress }, meta);
    const req = world.send(`${tool === 'job' ? 'task' : 'modern'} call ${id} (${tag})`, { method: 'POST', headers: { ...POST_HEADERS, ...headers, ...auth(caller, late) }, body });
    const call: CallRef = { req, id, kind: tool === 'job' ? 'task' : 'modern', tag, session: undefined, cancelled: false, holder: req, resumes: [], leftWhileRunning: false };
    world.calls.push(call);
    await req.until('answer or reach its tool', () => underway(world, call));
    if (!req.settled) return;
    assertAnswered(req);
    assert.ok(req.status === 200 || req.status === 503, req.describe());
    const handle = req.responses[0]?.result;
    if (handle?.resultType === 'task') {
      world.tasks.push({ taskId: handle.taskId, owner: caller });
      await eventually(`the work of task ${handle.taskId} to start`, () => world.gate.arrived.has(tag));
    }
  });
}

/** The client goes away from a call: from the connection carrying its stream now. */
function hangUp(index: number): Command {
  return command(`hangUp(call ${index})`, async (world) => {
    const call = world.call(index);
    if (call !== undefined) await world.leave(call.holder);
  });
}

/** A POST whose client goes away while its body is being read (declared, or chunked). */
function hangUpMidBody(index: number | undefined, chunked: boolean, late: boolean): Command {
  return command(`hangUpMidBody(${index === undefined ? 'modern' : `session ${index}`}${chunked ? ', chunked' : ''}${late ? ', late edge' : ''})`, async (world) => {
    const id = world.nextId();
    const heads = world.heads;
    let req: LiveRequest;
    if (index === undefined) {
      const { headers, body } = modernCall(id, 'whoami', { blob: 'x'.repeat(2000) });
      req = world.send(`modern call ${id}, half a body`, { method: 'POST', headers: { ...POST_HEADERS, ...headers, ...auth('alice', late) }, body, halfBody: true, chunked });
    } else {
      const session = world.session(index);
      const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: { blob: 'x'.repeat(2000) } } });
      req = world.send(`legacy call ${id}, half a body`, { method: 'POST', headers: { ...POST_HEADERS, ...auth(session?.owner ?? 'alice', late), ...sessionHeaders(session) }, body, halfBody: true, chunked });
    }
    await req.until('be taken in', () => world.heads > heads);
    req.hangUp();
  });
}

/** DELETE a session, as its owner (again, perhaps) or a stranger. */
function deleteSession(index: number, stranger: boolean): Command {
  return command(`delete(session ${index}${stranger ? ' as a stranger' : ''})`, async (world) => {
    const session = world.session(index);
    const caller = session === undefined ? 'alice' : stranger ? otherThan(session.owner) : session.owner;
    const req = await world.exchange(`DELETE ${session?.id ?? 'no session'}`, { method: 'DELETE', headers: { ...auth(caller, false), ...sessionHeaders(session) } });
    if (session === undefined || session.deleted || stranger) {
      assert.equal(req.status, 404, req.describe());
      return;
    }
    // 404: the session was evicted to make room for a newer one of its client.
    assert.ok(req.status === 200 || req.status === 404, req.describe());
    session.deleted = true;
  });
}

/** notifications/cancelled for a legacy call (or, without one, for an id nobody used). */
function cancel(index: number): Command {
  return command(`cancel(legacy call ${index})`, async (world) => {
    const call = world.call(index, 'legacy');
    const session = call?.session;
    const requestId = call?.id ?? 0;
    const req = await world.exchange(`cancel ${requestId}`, {
      method: 'POST',
      headers: { ...POST_HEADERS, ...auth(session?.owner ?? 'alice', false), ...sessionHeaders(session) },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'fuzz' } }),
    });
    assert.ok([202, 404, 503].includes(req.status!), req.describe());
    // Whichever call of the session has that id in flight is the one cancelled.
    if (req.status === 202) for (const other of session?.calls ?? []) if (other.id === requestId) other.cancelled = true;
  });
}

type AnswerKind = 'accept' | 'decline' | 'error';

/** The client answers the last question the server asked during a call (or one it never asked). */
function answer(index: number, kind: AnswerKind): Command {
  return command(`answer(legacy call ${index}, ${kind})`, async (world) => {
    const call = world.call(index, 'legacy');
    const question = call === undefined ? undefined : questionsOf(call).at(-1);
    const id = question?.id ?? 's999';
    const message = kind === 'error' ? { jsonrpc: '2.0', id, error: { code: -1, message: 'no' } } : { jsonrpc: '2.0', id, result: { action: kind, ...(kind === 'accept' ? { content: {} } : {}) } };
    const req = await world.exchange(`answer ${JSON.stringify(id)}`, {
      method: 'POST',
      headers: { ...POST_HEADERS, ...auth(call?.session?.owner ?? 'alice', false), ...sessionHeaders(call?.session) },
      body: JSON.stringify(message),
    });
    assert.ok([202, 404, 503].includes(req.status!), req.describe());
  });
}

function taskCancel(index: number): Command {
  return command(`taskCancel(${index})`, async (world) => {
    const task = world.tasks.length === 0 ? undefined : world.tasks[index % world.tasks.length];
    const taskId = task?.taskId ?? randomUUID();
    const params = { taskId, _meta: { ...MODERN_META, ...TASKS_META } };
    const req = await world.exchange('tasks/cancel', {
      method: 'POST',
      headers: { ...POST_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tasks/cancel', 'mcp-name': taskId, ...auth(task?.owner ?? 'alice', false) },
      body: JSON.stringify({ jsonrpc: '2.0', id: world.nextId(), method: 'tasks/cancel', params }),
    });
    assert.ok(req.status === 200 || req.status === 503, req.describe());
  });
}

/** Lets every work waiting at the gate go on, and waits until they have (their answers are on their way). */
const release = command('release()', async (world) => {
  world.gate.release();
  await eventually('the released works to finish', () => world.gate.left === world.gate.entered);
});

/** The server's tool list changes: every session hears of it on its GET stream, connected or not. */
const toggleTool = command('toggleTool()', async (world) => {
  const spare = [...world.server.core.tools.entries()].find((tool) => tool.name === 'spare')!;
  if (spare.enabled) spare.disable();
  else spare.enable();
});

type Malformation = 'parse' | 'oversized' | 'not-json' | 'invalid';

const REFUSED_WITH = { parse: 400, oversized: 413, 'not-json': 415, invalid: 400 } as const;

/** A POST the server must refuse: not JSON, too large (declared, or chunked), the wrong media type, not JSON-RPC. */
function malformed(kind: Malformation, chunked: boolean, index: number | undefined): Command {
  return command(`malformed(${kind}${chunked ? ', chunked' : ''}${index === undefined ? '' : `, session ${index}`})`, async (world) => {
    const session = index === undefined ? undefined : world.session(index);
    const headers: Record<string, string> = { ...POST_HEADERS, ...auth(session?.owner ?? 'alice', false), ...(index === undefined ? {} : sessionHeaders(session)) };
    let body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}';
    if (kind === 'oversized') body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { blob: 'x'.repeat(MAX_BODY_BYTES) } });
    if (kind === 'not-json') headers['content-type'] = 'text/plain';
    if (kind === 'invalid') body = '{"jsonrpc":"2.0","id":{},"method":1}';
    const req = await world.exchange(`malformed (${kind})`, { method: 'POST', headers, body, chunked });
    assert.ok(req.status === REFUSED_WITH[kind] || req.status === 503, req.describe());
  });
}


/** An initialize of some principal's, in either legacy revision, declaring elicitation or not. */
export const initializeCommand = fc
  .tuple(principal, fc.boolean(), fc.constantFrom('2025-11-25', '2025-03-26'), fc.boolean())
  .map(([owner, late, version, elicitation]) => initialize(owner, late, version, elicitation));

/** The commands; sessions, calls, hang-ups and resumptions, which make what the others act on, come twice. */
export const commands: Array<fc.Arbitrary<Command>> = [
  initializeCommand,
  initializeCommand,
  fc
    .tuple(index, stranger, fc.constantFrom<LegacyTool>('hold', 'ask', 'whoami'), fc.boolean(), fc.boolean(), fc.boolean())
    .map(([session, other, tool, progress, reuseId, late]) => legacyCall(session, other, tool, progress, false, reuseId, late)),
  fc
    .tuple(index, fc.constantFrom<LegacyTool>('hold', 'ask'), fc.boolean(), fc.boolean(), fc.boolean())
    .map(([session, tool, quiet, detach, late]) => legacyCall(session, false, tool, !quiet, tool === 'hold' && detach, false, late)),
  fc.tuple(principal, fc.constantFrom<ModernTool>('hold', 'whoami', 'job'), fc.boolean(), fc.boolean()).map(([caller, tool, progress, late]) => modernCallOf(caller, tool, progress, late)),
  fc.tuple(principal, fc.constantFrom<ModernTool>('hold', 'job'), fc.boolean(), fc.boolean()).map(([caller, tool, progress, late]) => modernCallOf(caller, tool, progress, late)),
  index.map(hangUp),
  index.map(hangUp),
  fc.tuple(fc.option(index, { nil: undefined }), fc.boolean(), fc.boolean()).map(([session, chunked, late]) => hangUpMidBody(session, chunked, late)),
  fc
    .tuple(index, fc.constantFrom<ResumeKind>('call', 'call', 'get', 'stale', 'never-given', 'forged', 'other-session', 'garbage'), index, fc.boolean())
    .map(([session, kind, pick, late]) => resume(session, kind, pick, late)),
  fc.tuple(index, index, fc.boolean()).map(([session, pick, late]) => resume(session, 'call', pick, late)),
  fc.tuple(index, stranger).map(([session, other]) => openGet(session, other)),
  fc.tuple(principal, fc.boolean()).map(([caller, late]) => listen(caller, late)),
  index.map(closeStream),
  fc.tuple(index, stranger).map(([session, other]) => deleteSession(session, other)),
  index.map(cancel),
  fc.tuple(index, fc.constantFrom<AnswerKind>('accept', 'decline', 'error')).map(([call, kind]) => answer(call, kind)),
  index.map(taskCancel),
  fc.constant(release),
  fc.constant(toggleTool),
  fc
    .tuple(fc.constantFrom<Malformation>('parse', 'oversized', 'not-json', 'invalid'), fc.boolean(), fc.option(index, { nil: undefined }))
    .map(([kind, chunked, session]) => malformed(kind, chunked, session)),
];
