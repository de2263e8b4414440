/** Where serve keeps rate-limit counts, from the configuration: store.redis.url alone shares them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { countsOnStores, rateLimitRedis } from '../../src/cli/rate-limit-store.ts';
import { checkSecurityConfig } from '../../src/cli/security-check.ts';

const STORES = 'redis://127.0.0.1:6379';
const OTHER = 'redis://rate.internal:6379';
const LIMIT = JSON.stringify({ echo: { limit: 3, windowSeconds: 60 } });

const config = (env: Record<string, string>) => loadConfig(undefined, { MCP__RATELIMITS__TOOLS: LIMIT, ...env });

describe('rate-limit counts: memory or Redis', () => {
  it('stay in memory without any Redis URL', async () => {
    const settings = await config({});
    assert.equal(rateLimitRedis(settings), undefined);
    assert.equal(countsOnStores(settings), false);
  });

  it('go to the stores\' Redis, over their connection, with store.redis.url alone', async () => {
    const settings = await config({ MCP__STORE__REDIS__URL: STORES, MCP__STORE__REDIS__KEYPREFIX: 'blue' });
    assert.deepEqual(rateLimitRedis(settings), { url: undefined, keyPrefix: 'blue:rate' });
    assert.equal(countsOnStores(settings), true);
    // The same URL given again is the same Redis: one connection still.
    assert.deepEqual(rateLimitRedis(await config({ MCP__STORE__REDIS__URL: STORES, MCP__RATELIMITS__REDIS__URL: STORES })), { url: undefined, keyPrefix: 'mcp-core:rate' });
  });

  it('go to rateLimits.redis.url when it names another Redis, with or without the stores', async () => {
    assert.deepEqual(rateLimitRedis(await config({ MCP__STORE__REDIS__URL: STORES, MCP__RATELIMITS__REDIS__URL: OTHER, MCP__RATELIMITS__REDIS__KEYPREFIX: 'r' })), { url: OTHER, keyPrefix: 'r' });
    const alone = await config({ MCP__RATELIMITS__REDIS__URL: OTHER });
    assert.deepEqual(rateLimitRedis(alone), { url: OTHER, keyPrefix: 'mcp-core:rate' });
    assert.equal(countsOnStores(alone), false);
  });

  it('stay in memory with rateLimits.store: memory, whatever Redis is named', async () => {
    const settings = await config({ MCP__STORE__REDIS__URL: STORES, MCP__RATELIMITS__REDIS__URL: OTHER, MCP__RATELIMITS__STORE: 'memory' });
    assert.equal(rateLimitRedis(settings), undefined);
    assert.equal(countsOnStores(settings), false);
  });

  it('do not concern the stores when no limit is set', async () => {
    assert.equal(countsOnStores(await loadConfig(undefined, { MCP__STORE__REDIS__URL: STORES })), false);
  });

  it('rateLimits.store: redis without any Redis URL is refused, naming both settings', async () => {
    const unnamed = await config({ MCP__RATELIMITS__STORE: 'redis' });
    assert.throws(() => checkSecurityConfig(unnamed), /rateLimits\.store is redis, but no Redis is named: set store\.redis\.url .* or rateLimits\.redis\.url/);
    checkSecurityConfig(await config({ MCP__RATELIMITS__STORE: 'redis', MCP__STORE__REDIS__URL: STORES }));
  });
});
