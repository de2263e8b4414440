/**
 * Legacy (2025-11-25) Streamable HTTP sessions, opened the way a client does: POST initialize,
 * keep the Mcp-Session-Id it returns, POST notifications/initialized inside the session.
 * Plain fetch, checked at each step.
 */
import { parseHttpBody } from '../lib/check.ts';
import { INITIALIZED_NOTIFICATION, initializeCall, legacyHeaders, requestBody } from '../lib/protocol.ts';

const INITIALIZE_BODY = requestBody(0, initializeCall());
const INITIALIZED_BODY = JSON.stringify(INITIALIZED_NOTIFICATION);

/** Opens one session and returns its id; throws with the reason when any step is wrong. */
export async function openSession(url: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: legacyHeaders(), body: INITIALIZE_BODY });
  const text = await response.text();
  if (!response.ok) throw new Error(`initialize: HTTP ${response.status} ${text.slice(0, 200)}`);
  const sessionId = response.headers.get('mcp-session-id');
  if (sessionId === null) throw new Error('initialize: no Mcp-Session-Id header');
  const reply = parseHttpBody(text) as { id?: unknown; result?: { protocolVersion?: unknown } };
  if (reply.id !== 0 || typeof reply.result?.protocolVersion !== 'string') throw new Error(`initialize: bad reply ${text.slice(0, 200)}`);
  const initialized = await fetch(url, { method: 'POST', headers: legacyHeaders(sessionId), body: INITIALIZED_BODY });
  await initialized.arrayBuffer();
  if (!initialized.ok) throw new Error(`notifications/initialized: HTTP ${initialized.status}`);
  return sessionId;
}

export interface OpenedSessions {
  opened: number;
  failed: number;
  problems: string[];
  seconds: number;
}

/** Opens `count` sessions with `concurrency` clients at a time; counts the ones that failed. */
export async function openSessions(url: string, count: number, concurrency: number): Promise<OpenedSessions> {
  let next = 0;
  let opened = 0;
  let failed = 0;
  const problems = new Set<string>();
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        await openSession(url);
        opened++;
      } catch (error) {
        failed++;
        if (problems.size < 5) problems.add((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { opened, failed, problems: [...problems], seconds: (performance.now() - started) / 1000 };
}
