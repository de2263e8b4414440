/**
 * The configuration's JSON Schema (2020-12), assembled from the sections. The same object is
 * what the loader validates against (config/validator.ts) and what users point their editor
 * at: `schema/mcp-core.schema.json` is generated from it (`npm run generate:config-schema`)
 * and a test keeps the two equal.
 */
import { MAX_TIMER_MS } from '../protocol/timer-limit.ts';
import { SECTIONS } from './sections/index.ts';

export { SECTIONS };

/**
 * The sections with every duration in milliseconds (a key ending in `Ms`) bounded by what a
 * timer holds: a longer one (a timeout meant as "never") would fire at once, quietly.
 */
function timerBounded<T>(node: T, key = ''): T {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
  const copy: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(node)) copy[name] = timerBounded(child, name);
  const type = copy.type;
  if (key.endsWith('Ms') && (type === 'integer' || type === 'number') && copy.maximum === undefined) copy.maximum = MAX_TIMER_MS;
  return copy as T;
}

/** The schema of a whole config file. `$schema` is allowed so a file can name this schema for its editor. */
export const CONFIG_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'mcp-core configuration',
  description:
    'Settings of `mcp-core serve`. Loaded as: embedded defaults, then the --config files in order, then MCP__SECTION__KEY environment variables. Settings marked writeOnly are secrets: `mcp-core config check` never prints them.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'The JSON Schema this file follows (for editors); ignored by mcp-core.' },
    ...timerBounded(SECTIONS),
  },
} as const;
