/**
 * `mcp-core config check FILE [FILE...]`: loads the files the way `serve --config FILE ...`
 * would (defaults, then the files in order, then MCP__ variables) and prints the settings
 * that result. Secrets (settings the schema marks `writeOnly`) are shown as "(hidden)".
 * A bad setting, or TLS files that do not load, fail the way serve fails: a message naming
 * it, and exit code 2.
 */
import { loadConfig, type Config } from '../config/config.ts';
import { CONFIG_SCHEMA } from '../config/schema.ts';
import { hideSecrets, type SchemaNode } from '../config/schema-walk.ts';
import { checkHttpPaths } from './http-paths-check.ts';
import { checkSecurityConfig } from './security-check.ts';

/** The effective settings as printed: JSON, secrets hidden. */
export function showConfig(config: Config): string {
  return JSON.stringify(hideSecrets(CONFIG_SCHEMA as unknown as SchemaNode, config), null, 2);
}

export async function checkConfigCommand(files: readonly string[]): Promise<void> {
  const config = await loadConfig(files);
  checkSecurityConfig(config);
  checkHttpPaths(config);
  // The TLS files are read and paired as serve would, so a bad certificate fails here first.
  if (config.tls.certFile !== undefined) await (await import('./tls-setup.ts')).https(config.tls);
  if (Object.keys(config.mcpServers).length > 0) {
    // What the schema cannot say about upstreams (command or url, ${VAR}s that are set).
    const { resolveManagerConfig } = await import('../manager/config.ts');
    resolveManagerConfig(config);
  }
  process.stdout.write(`${files.join(', ')}: valid\n${showConfig(config)}\n`);
}
