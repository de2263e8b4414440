/** Reading the Prometheus text exposition format in tests. */
import assert from 'node:assert/strict';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample line of an exposition; comments (# HELP, # TYPE) are skipped. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample named `name` whose labels include `labels` (0 when there is none). */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

/** The value of `name` (with `labels`) in the metrics a server at `url` serves now. */
export async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(new URL('/metrics', url));
  return valueOf(parseMetrics(await response.text()), name, labels);
}

/** Polls the metrics until `name` (with `labels`) reads `expected` (the state changes on the server's time). */
export async function metricReaches(url: string, name: string, expected: number, labels: Record<string, string> = {}, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let value = await metric(url, name, labels);
  while (value !== expected) {
    if (Date.now() > deadline) assert.fail(`${name} ${JSON.stringify(labels)} stayed at ${value}, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await metric(url, name, labels);
  }
}
