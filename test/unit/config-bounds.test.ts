/** The bounds' settings: defaults as documented, typed MCP__ overrides, range checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../src/config/config.ts';

describe('configuration of the HTTP bounds, session limits and the stdio principal', () => {
  it('defaults to the documented bounds, and no stdio principal', () => {
    assert.deepEqual(DEFAULT_CONFIG.http.inflight, { maxRequests: 1024, maxRequestsPerClient: 256, maxBytes: 64 * 1024 * 1024, maxBytesPerClient: 16 * 1024 * 1024 });
    assert.equal(DEFAULT_CONFIG.http.sessions.maxSessionsPerClient, 1000);
    assert.equal(DEFAULT_CONFIG.http.resumeWindowMs, 600_000);
    assert.deepEqual(DEFAULT_CONFIG.server.sessionLimits, { maxSubscriptions: 256, maxDataBytes: 16 * 1024 });
    assert.equal(DEFAULT_CONFIG.stdio.principal, undefined);
  });

  it('takes every one from the environment, typed', async () => {
    const config = await loadConfig(undefined, {
      MCP__HTTP__INFLIGHT__MAXREQUESTSPERCLIENT: '8',
      MCP__HTTP__SESSIONS__MAXSESSIONSPERCLIENT: '3',
      MCP__HTTP__RESUMEWINDOWMS: '1000',
      MCP__SERVER__SESSIONLIMITS__MAXSUBSCRIPTIONS: '0',
      MCP__STDIO__PRINCIPAL: '{"subject":"ops","scopes":["tools"]}',
    });
    assert.equal(config.http.inflight.maxRequestsPerClient, 8);
    assert.equal(config.http.inflight.maxRequests, 1024);
    assert.equal(config.http.sessions.maxSessionsPerClient, 3);
    assert.equal(config.http.resumeWindowMs, 1000);
    assert.equal(config.server.sessionLimits.maxSubscriptions, 0);
    assert.deepEqual(config.stdio.principal, { subject: 'ops', scopes: ['tools'] });
  });

  it('refuses out-of-range values and a principal without subject', async () => {
    await assert.rejects(loadConfig(undefined, { MCP__HTTP__INFLIGHT__MAXBYTES: '0' }), (e: unknown) => e instanceof ConfigError && /http\.inflight\.maxBytes is 0; expected an integer >= 1/.test(e.message));
    await assert.rejects(loadConfig(undefined, { MCP__STDIO__PRINCIPAL: '{"scopes":[]}' }), (e: unknown) => e instanceof ConfigError && /stdio\.principal/.test(e.message) && /subject/.test(e.message));
  });
});
