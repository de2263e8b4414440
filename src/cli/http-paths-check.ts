/**
 * What the schema cannot say about the HTTP listener's paths: the metrics endpoint must not
 * take the place of another. On `/readyz` it would answer 200 while the server drains; on the
 * MCP path or the protected resource metadata it would never be reached. Run by `serve` and by
 * `config check`, so both fail the same way.
 */
import { ConfigError, type Config } from '../config/config.ts';

const METADATA_PATH = '/.well-known/oauth-protected-resource';

export function checkHttpPaths(config: Config): void {
  if (!config.metrics.enabled) return;
  const { path } = config.metrics;
  if (/[?#]/.test(path)) throw new ConfigError(`metrics.path ${JSON.stringify(path)} holds a query or fragment: routes match the path alone`);
  // On a listener of its own (metrics.port), it takes no other endpoint's place.
  if (config.metrics.port !== undefined) return;
  const taken =
    path === config.http.path
      ? 'the MCP endpoint (http.path)'
      : path === '/healthz' || path === '/readyz'
        ? `the ${path.slice(1)} endpoint`
        : path.startsWith(METADATA_PATH)
          ? 'the protected resource metadata'
          : undefined;
  if (taken !== undefined) throw new ConfigError(`metrics.path ${path} is taken by ${taken}: choose another path`);
}
