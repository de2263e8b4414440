/**
 * What the schema cannot say about the `auth`, `rateLimits` and `limits` settings: which
 * settings a mode needs. Run by `serve` and by `config check`, so both fail the same way.
 */
import { ConfigError, type Config } from '../config/config.ts';

export function checkSecurityConfig(config: Config): void {
  const problems: string[] = [];
  const { auth, rateLimits } = config;
  if (auth.mode === 'jwt') {
    if (auth.jwt.jwksUrl === undefined) problems.push('auth.mode is jwt, but auth.jwt.jwksUrl is not set');
    if (auth.jwt.issuer === undefined) problems.push('auth.mode is jwt, but auth.jwt.issuer is not set');
  }
  if (auth.mode === 'introspection') {
    for (const key of ['endpoint', 'clientId', 'clientSecret'] as const) {
      if (auth.introspection[key] === undefined) problems.push(`auth.mode is introspection, but auth.introspection.${key} is not set`);
    }
    if (auth.authorizationServers === undefined && auth.introspection.issuer === undefined) {
      problems.push('auth.mode is introspection: set auth.authorizationServers (or auth.introspection.issuer) to name the authorization server clients get tokens from');
    }
  }
  if (auth.mode === 'apiKey') {
    const names = Object.keys(auth.apiKeys);
    if (names.length === 0) problems.push('auth.mode is apiKey, but auth.apiKeys lists no key');
    for (const name of names) {
      const { key, sha256 } = auth.apiKeys[name];
      if ((key === undefined) === (sha256 === undefined)) problems.push(`auth.apiKeys.${name}: give key or sha256, one of them`);
    }
  }
  if (auth.authorizationServers !== undefined && auth.authorizationServers.length === 0) problems.push('auth.authorizationServers is empty: name at least one authorization server');
  if (rateLimits.store === 'redis' && rateLimits.redis.url === undefined && config.store.redis.url === undefined) {
    problems.push('rateLimits.store is redis, but no Redis is named: set store.redis.url (counts share its connection) or rateLimits.redis.url');
  }
  if (problems.length === 1) throw new ConfigError(problems[0]);
  if (problems.length > 1) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}
