/**
 * Failover of the Redis `mcp-core serve` keeps its state on, with real redis-servers: through a
 * real sentinel (`store.redis.sentinels`, redis-server --sentinel) monitoring a primary and its
 * replica, a legacy session opened before a failover goes on on the new primary; and behind
 * one address that moves to the new primary (a managed service's name), the connections the
 * old primary keeps once demoted are made again.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from '../helpers/ports.ts';
import { CLI } from '../helpers/processes.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';
import { eventually, inSession, openLegacySession } from '../helpers/scale.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const run = promisify(execFile);
const PASSWORD = 'sentinel-test-password';
const NAME = 'mcp-test-primary';

/** A sentinel monitoring `primary` under NAME, once it knows the primary's replica too. */
async function startSentinel(primary: RedisServer): Promise<{ port: number; process: ChildProcess }> {
  const port = await freePort();
  const file = join(mkdtempSync(join(tmpdir(), 'mcp-core-sentinel-')), 'sentinel.conf');
  writeFileSync(
    file,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `sentinel monitor ${NAME} 127.0.0.1 ${primary.port} 1`,
      `sentinel auth-pass ${NAME} ${PASSWORD}`,
      `sentinel down-after-milliseconds ${NAME} 1000`,
      `sentinel failover-timeout ${NAME} 5000`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [file, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const knowsReplica = await new Promise<boolean>((resolve) => {
    child.once('exit', () => resolve(false));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (/\+slave slave/.test(line)) resolve(true);
    });
  });
  if (!knowsReplica) throw new Error('redis-server --sentinel exited');
  return { port, process: child };
}

/** The clients connected to `server` under mcp-core's connection names. */
async function mcpCoreClients(server: RedisServer): Promise<number> {
  const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const list = (await client.client('LIST')) as string;
    return list.split('\n').filter((line) => / name=mcp-core:/.test(line)).length;
  } finally {
    client.disconnect();
  }
}

const echo = (text: string) => ({ name: 'echo', arguments: { text } });

describe('Redis Sentinel: store.redis.sentinels', { skip: REDIS_MISSING }, () => {
  let primary: RedisServer;
  let replica: RedisServer;
  let sentinel: { port: number; process: ChildProcess };
  let served: Served;

  before(async () => {
    primary = await RedisServer.start(PASSWORD, ['--masterauth', PASSWORD]);
    replica = await RedisServer.start(PASSWORD, ['--masterauth', PASSWORD, '--replicaof', '127.0.0.1', String(primary.port)]);
    sentinel = await startSentinel(primary);
    served = await startServe(['--http', '127.0.0.1:0'], {
      // The host is not used: the sentinels name the primary.
      MCP__STORE__REDIS__URL: `redis://:${PASSWORD}@primary.invalid:1`,
      MCP__STORE__REDIS__SENTINELS: `127.0.0.1:${sentinel.port}`,
      MCP__STORE__REDIS__SENTINELNAME: NAME,
    });
  });

  after(async () => {
    if (served !== undefined) await stopServe(served);
    sentinel?.process.kill('SIGKILL');
    await replica?.stop();
    await primary?.stop();
  });

  it('finds the primary through the sentinel, and a session opened before a failover goes on on the new primary', async () => {
    const sessionId = await openLegacySession(served.url);
    assert.equal((await inSession(served.url, sessionId, 1, 'tools/call', echo('before'))).status, 200);
    assert.ok((await mcpCoreClients(primary)) > 0, 'connected to the primary the sentinel named');
    // The session's record is on the replica before the primary is given up.
    const writer = new Redis(primary.url);
    await writer.wait(1, 5000);
    writer.disconnect();

    const asker = new Redis({ host: '127.0.0.1', port: sentinel.port });
    try {
      assert.equal(await asker.call('SENTINEL', 'FAILOVER', NAME), 'OK');
      await eventually('the sentinel to name the replica as primary', async () => {
        const [, port] = (await asker.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as [string, string];
        return port === String(replica.port) ? true : undefined;
      });
    } finally {
      asker.disconnect();
    }
    const answer = await eventually('a call in the session to be served after the failover', async () => {
      const response = await inSession(served.url, sessionId, 2, 'tools/call', echo('after'));
      return response.status === 200 ? response : undefined;
    });
    assert.equal(answer.json.result.content[0].text, 'after');
    await eventually('mcp-core to connect to the new primary', async () => ((await mcpCoreClients(replica)) > 0 ? true : undefined));
    // A new session is written to Redis: the new primary takes it.
    const another = await openLegacySession(served.url);
    assert.equal((await inSession(served.url, another, 1, 'tools/call', echo('new session'))).status, 200);
  });

  it('refuses sentinels with a rediss:// url (TLS through Sentinel is not supported), exit 2', async () => {
    const env = { ...process.env, MCP__STORE__REDIS__URL: `rediss://:${PASSWORD}@primary.invalid:1`, MCP__STORE__REDIS__SENTINELS: `127.0.0.1:${sentinel.port}` };
    const refused = await run(process.execPath, [CLI, 'serve', '--http', '127.0.0.1:0'], { env }).catch((error: { code: number; stderr: string }) => error);
    assert.equal((refused as { code: number }).code, 2);
    assert.match((refused as { stderr: string }).stderr, /TLS through Sentinel is not supported/);
    assert.doesNotMatch((refused as { stderr: string }).stderr, new RegExp(PASSWORD));
  });
});

/** A TCP relay whose new connections go to `target` (those made before stay where they went), as a name moved to a new primary. */
function relay(target: number): Promise<{ port: number; moveTo(port: number): void; server: Server }> {
  let current = target;
  const server = createServer((inbound) => {
    const outbound = connect(current, '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, moveTo: (port) => (current = port), server })),
  );
}

/**
 * A primary and its replica behind a relay, and `mcp-core serve` reaching the primary through it
 * with `env(relayPort)`; `failOver()` does what a managed service does: the replica promoted,
 * the primary demoted but running (the connections it holds stay open), the address moved.
 */
function behindAnAddress(env: (port: number) => Record<string, string>) {
  const pair = {} as { first: RedisServer; second: RedisServer; front: Awaited<ReturnType<typeof relay>>; served: Served };
  before(async () => {
    pair.first = await RedisServer.start(PASSWORD, ['--masterauth', PASSWORD]);
    pair.second = await RedisServer.start(PASSWORD, ['--masterauth', PASSWORD, '--replicaof', '127.0.0.1', String(pair.first.port)]);
    pair.front = await relay(pair.first.port);
    pair.served = await startServe(['--http', '127.0.0.1:0'], env(pair.front.port));
  });
  after(async () => {
    if (pair.served !== undefined) await stopServe(pair.served);
    pair.front?.server.close();
    await pair.second?.stop();
    await pair.first?.stop();
  });
  const failOver = async () => {
    const promoted = new Redis(pair.second.url);
    const demoted = new Redis(pair.first.url);
    try {
      await promoted.replicaof('NO', 'ONE');
      await demoted.replicaof('127.0.0.1', String(pair.second.port));
    } finally {
      promoted.disconnect();
      demoted.disconnect();
    }
    pair.front.moveTo(pair.second.port);
  };
  return { pair, failOver };
}

describe('regression: a primary demoted behind the address mcp-core knows it by', { skip: REDIS_MISSING }, () => {
  const { pair, failOver } = behindAnAddress((port) => ({ MCP__STORE__REDIS__URL: `redis://:${PASSWORD}@127.0.0.1:${port}` }));

  it('connections the old primary keeps (every write refused READONLY) are made again, to where the address leads now', async () => {
    const sessionId = await openLegacySession(pair.served.url);
    assert.equal((await inSession(pair.served.url, sessionId, 1, 'tools/call', echo('before'))).status, 200);
    await failOver();
    // Opening a session writes its record: refused READONLY by the old primary until the
    // connection is made again (it never was: 503 until the process restarted).
    const another = await eventually('a new session to be opened after the failover', async () => openLegacySession(pair.served.url).catch(() => undefined), 20_000);
    assert.equal((await inSession(pair.served.url, another, 1, 'tools/call', echo('after'))).status, 200);
    assert.ok((await mcpCoreClients(pair.second)) > 0, 'connected to the new primary');
  });
});

describe('regression: rate-limit counts on a Redis of their own, its primary demoted behind the address', { skip: REDIS_MISSING }, () => {
  const { pair, failOver } = behindAnAddress((port) => ({
    MCP__RATELIMITS__PERCLIENT: '{"limit":100000,"windowSeconds":600}',
    MCP__RATELIMITS__REDIS__URL: `redis://:${PASSWORD}@127.0.0.1:${port}`,
  }));

  it('counts go to the new primary again (they stayed in each process, shared with none, until a restart)', async () => {
    const counted = async (server: RedisServer) => {
      const client = new Redis(server.url);
      try {
        return (await client.keys('mcp-core:rate:*')).length > 0;
      } finally {
        client.disconnect();
      }
    };
    await openLegacySession(pair.served.url);
    assert.equal(await counted(pair.first), true, 'counted in Redis');
    await failOver();
    // What the new primary holds from before is not what the test looks for.
    const promoted = new Redis(pair.second.url);
    await promoted.flushall();
    promoted.disconnect();
    await eventually(
      'the counts to reach the new primary',
      async () => {
        await openLegacySession(pair.served.url);
        return (await counted(pair.second)) ? true : undefined;
      },
      20_000,
    );
  });
});
