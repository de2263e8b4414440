/** The bounds' settings: defaults as documented, typed MCP__ overrides, range checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { showConfig } from '../../src/cli/config-check.ts';
import { createServer } from '../../src/cli/serve.ts';
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

describe('configuration of the readiness budget', () => {
  it('defaults to one run per second, as metrics.maxAgeMs does, is taken from MCP__HTTP__READINESSMAXAGEMS, and is shown by config check', async () => {
    assert.equal(DEFAULT_CONFIG.http.readinessMaxAgeMs, 1000);
    assert.equal(DEFAULT_CONFIG.http.readinessMaxAgeMs, DEFAULT_CONFIG.metrics.maxAgeMs);
    for (const [text, value] of [['200', 200], ['0', 0], ['10000', 10000]] as const) {
      const config = await loadConfig(undefined, { MCP__HTTP__READINESSMAXAGEMS: text });
      assert.equal(config.http.readinessMaxAgeMs, value);
      assert.equal(JSON.parse(showConfig(config)).http.readinessMaxAgeMs, value);
    }
  });

  it('refuses what metrics.maxAgeMs refuses: negative, not a number, not an integer, past 10 s', async () => {
    for (const text of ['-1', 'soon', '1.5', '10001', '1e21', '', '[200]', 'null']) {
      const readiness = await loadConfig(undefined, { MCP__HTTP__READINESSMAXAGEMS: text }).then(
        () => 'accepted',
        (e: unknown) => (e instanceof ConfigError ? e.message : `not a ConfigError: ${e}`),
      );
      assert.match(readiness, /^MCP__HTTP__READINESSMAXAGEMS: http\.readinessMaxAgeMs is .*; expected an integer from 0 to 10000$/, text);
      const metrics = await loadConfig(undefined, { MCP__METRICS__MAXAGEMS: text }).then(
        () => 'accepted',
        (e: unknown) => (e instanceof ConfigError ? e.message : `not a ConfigError: ${e}`),
      );
      assert.equal(readiness.replace('MCP__HTTP__READINESSMAXAGEMS: http.readinessMaxAgeMs', 'KEY'), metrics.replace('MCP__METRICS__MAXAGEMS: metrics.maxAgeMs', 'KEY'), text);
    }
  });
});

describe('configuration of the task bounds', () => {
  it('defaults to the documented bounds, reaches the server, and is shown by config check', async () => {
    const bytes = { maxResultBytes: 256 * 1024 * 1024, maxResultBytesPerOwner: 64 * 1024 * 1024 };
    assert.deepEqual(DEFAULT_CONFIG.server.tasks, { ttlMs: 300_000, maxRunning: 1000, maxRunningPerOwner: 100, maxRecords: 10_000, maxRecordsPerOwner: 1000, ...bytes });
    const config = await loadConfig(undefined, { MCP__SERVER__TASKS__MAXRUNNINGPEROWNER: '4', MCP__SERVER__TASKS__MAXRESULTBYTESPEROWNER: '5000', MCP__SERVER__TASKS: '{"maxRecords":50,"ttlMs":1000}' });
    assert.deepEqual(config.server.tasks, { ttlMs: 1000, maxRunning: 1000, maxRunningPerOwner: 4, maxRecords: 50, maxRecordsPerOwner: 1000, ...bytes, maxResultBytesPerOwner: 5000 });
    const { tasks } = createServer(config).core;
    assert.deepEqual(
      [tasks.ttlMs, tasks.admission.maxRunning, tasks.admission.maxRunningPerOwner, tasks.admission.maxRecords, tasks.admission.maxResultBytes, tasks.admission.maxResultBytesPerOwner],
      [1000, 1000, 4, 50, bytes.maxResultBytes, 5000],
    );
    assert.deepEqual(JSON.parse(showConfig(config)).server.tasks, config.server.tasks);
  });

  it('refuses a bound below 1', async () => {
    await assert.rejects(loadConfig(undefined, { MCP__SERVER__TASKS__MAXRECORDSPEROWNER: '0' }), (e: unknown) => e instanceof ConfigError && /server\.tasks\.maxRecordsPerOwner is 0; expected an integer >= 1/.test(e.message));
    await assert.rejects(loadConfig(undefined, { MCP__SERVER__TASKS__MAXRESULTBYTES: '0' }), (e: unknown) => e instanceof ConfigError && /server\.tasks\.maxResultBytes is 0; expected an integer >= 1/.test(e.message));
  });
});
