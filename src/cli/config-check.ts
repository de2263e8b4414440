/**
 * `mcp-core config check FILE`: loads the file the way `serve --config FILE` would (defaults,
 * then the file, then MCP__ variables) and prints the settings that result, secrets hidden.
 * A bad setting fails the same way serve fails: a message naming it, and exit code 2.
 */
import { loadConfig, type Config } from '../config/config.ts';

/** Settings whose values are never printed. */
const SECRETS = new Set(['requestStateSecret']);

function hideSecrets(key: string, value: unknown): unknown {
  return SECRETS.has(key) && value !== undefined ? '(set, hidden)' : value;
}

export async function checkConfigCommand(file: string): Promise<void> {
  const config: Config = await loadConfig(file);
  process.stdout.write(`${file}: valid\n${JSON.stringify(config, hideSecrets, 2)}\n`);
}
