/**
 * One case of the hostile-upstream fuzz target: a script for test/fixtures/scripted-upstream.ts
 * (support/upstream-scripts.ts), the caller's request that reaches the scripted method, and the
 * upstream errors the caller may get as they are.
 */
import { rename, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { MODERN_META } from '../../helpers/http.ts';
import { SCRIPTED_METHODS, upstreamScript, type UpstreamScript } from './upstream-scripts.ts';

const TASKS_CAPABILITIES = { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };

/** The caller's request that reaches the scripted upstream's `target` (a list: a call, whose extras change the list). */
export function scriptedRequest(upstream: string, target: string, modern: boolean, asTask: boolean): { method: string; params: Record<string, any> } {
  const meta = modern ? { ...MODERN_META, progressToken: 'p', 'io.modelcontextprotocol/logLevel': 'debug', ...(asTask ? TASKS_CAPABILITIES : {}) } : { progressToken: 'p' };
  switch (target) {
    case 'resources/read':
      return { method: target, params: { uri: `s://${upstream}__r`, _meta: meta } };
    case 'prompts/get':
      return { method: target, params: { name: `${upstream}__p`, arguments: { a: 'x' }, _meta: meta } };
    case 'completion/complete':
      return { method: target, params: { ref: { type: 'ref/prompt', name: `${upstream}__p` }, argument: { name: 'a', value: 'x' }, _meta: meta } };
    case 'tasks/get':
      return { method: target, params: { taskId: `${upstream}__abc`, _meta: { ...MODERN_META, ...TASKS_CAPABILITIES } } };
    default:
      return { method: 'tools/call', params: { name: `${upstream}__t`, arguments: {}, _meta: meta } };
  }
}

/** The well-formed errors a script has the upstream send, by message: passed on as they are. */
export function upstreamErrors(script: UpstreamScript): Set<string> {
  const messages = new Set<string>();
  const parse = (text: string): any => {
    try {
      return JSON.parse(text.replaceAll('__ID__', '0').replaceAll('__TOKEN__', '0').replaceAll('__LISTEN__', '0'));
    } catch {
      return undefined; // Garbage, or nested too deep for this test's parser: nothing to pass on.
    }
  };
  const note = (error: any) => {
    if (Number.isInteger(error?.code) && typeof error?.message === 'string') messages.add(error.message);
  };
  for (const answer of Object.values(script.answers)) {
    if (answer.kind === 'error') note(parse(answer.text ?? ''));
    // A line with a result beside its error is a malformed answer: its error is not passed on.
    if (answer.kind === 'line') {
      const line = parse(answer.text ?? '');
      if (line?.result === undefined) note(line?.error);
    }
  }
  for (const line of script.extras) note(parse(line)?.error);
  return messages;
}

/** Replaces the script file whole, so that the upstream never reads half of one. */
export async function writeScript(file: string, script: unknown): Promise<void> {
  await writeFile(`${file}.next`, JSON.stringify(script));
  await rename(`${file}.next`, file);
}

/**
 * A case: the scripted upstream (`sl` speaks 2025-11-25, `sm` 2026-07-28), the script, the
 * caller's request in either era (as a task or not), and which list the caller reads after it.
 */
export const scriptedCase = fc
  .record({
    upstream: fc.constantFrom('sl', 'sm'),
    target: fc.constantFrom(...SCRIPTED_METHODS),
    modern: fc.boolean(),
    asTask: fc.boolean(),
    list: fc.constantFrom('tools/list', 'prompts/list', 'resources/list', 'resources/templates/list'),
  })
  // Tasks pass through to 2026-07-28 upstreams only.
  .map((c) => ({ ...c, target: c.upstream === 'sl' && c.target === 'tasks/get' ? 'tools/call' : c.target }))
  .chain((c) => upstreamScript(c.target, c.upstream === 'sm').map((script) => ({ ...c, script, request: scriptedRequest(c.upstream, c.target, c.modern, c.asTask) })));
