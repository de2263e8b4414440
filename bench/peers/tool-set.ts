/**
 * The tools every peer registers, described once so that servers built on different SDKs
 * expose the same surface: the echo tool, and for the tools/list workload N small tools.
 */

export const ECHO = { name: 'echo', description: 'Returns the text it is given.' } as const;

/** Tool i of the many-tools workload: a name, a description, one required string argument. */
export function manyTool(i: number): { name: string; description: string } {
  return { name: `tool_${String(i).padStart(4, '0')}`, description: `Benchmark tool number ${i}; returns its argument.` };
}

/** The JSON Schema form of the many-tools input, for servers that take JSON Schema. */
export const MANY_TOOL_SCHEMA = {
  type: 'object',
  properties: { value: { type: 'string', description: 'Any text' } },
  required: ['value'],
} as const;

/** `--tools N` on a peer's command line: serve N tools in all (echo and N-1 small ones) instead of echo alone. */
export function toolCount(argv: readonly string[]): number {
  const at = argv.indexOf('--tools');
  return at === -1 ? 0 : Number(argv[at + 1]);
}

/** `--port N` on a peer's command line. */
export function portArg(argv: readonly string[]): number {
  const at = argv.indexOf('--port');
  if (at === -1) throw new Error('--port is required');
  return Number(argv[at + 1]);
}
