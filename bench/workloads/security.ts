/**
 * What the production kit costs on the hot path: modern HTTP echo from mcp-core as it ships,
 * against the same with JSON logs at info, metrics and rate limits on (per client and per tool,
 * limits high enough that nothing is refused), and with JWT authentication (a key set this
 * process serves over HTTP, fetched once and cached; the token signed once, sent on every
 * request). Targets: logs + metrics + rate limits keep at least 85% of the bare throughput,
 * JWT auth at least 80%. One more row verifies the token's signature on every request
 * (auth.tokenCache.maxEntries 0) to show what the cache of verified tokens saves.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { echoed } from '../lib/check.ts';
import { MCP_CORE_CLI, NODE } from '../lib/paths.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, forEra, modernHeaders, requestBody } from '../lib/protocol.ts';
import type { HttpTarget } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { httpRow } from './http-runner.ts';
import { ECHO_EXPECT, ECHO_REJECT } from './http-modern.ts';
import { measureRows } from './runner.ts';
import { ratioNote } from './ratio-note.ts';
import type { Workload } from './types.ts';

const serve = (port: number) => ({ command: NODE, args: [MCP_CORE_CLI, 'serve', '--http', `127.0.0.1:${port}`, '--demo'] });

/** Limits no run reaches: everything is counted, nothing refused. */
const NEVER = JSON.stringify({ limit: 1_000_000_000, windowSeconds: 60 });

/** A key set served over HTTP from this process, and tokens signed with its key. */
class KeySet {
  readonly #server: Server;
  #key!: CryptoKey;
  #jwk!: JWK;
  issuer = '';

  constructor() {
    this.#server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [this.#jwk] })));
  }

  async start(): Promise<this> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    this.#key = privateKey;
    this.#jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** An hour-long access token for `audience`. */
  token(audience: string): Promise<string> {
    return new SignJWT({ scope: 'mcp', client_id: 'bench' })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setSubject('bench')
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(this.#key);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

interface SecurityTarget {
  target: HttpTarget;
  env: Record<string, string>;
  /** Sends a bearer token. */
  jwt?: boolean;
}

function targets(keys: KeySet): SecurityTarget[] {
  const jwt = { MCP__AUTH__MODE: 'jwt', MCP__AUTH__JWT__JWKSURL: `${keys.issuer}/jwks`, MCP__AUTH__JWT__ISSUER: keys.issuer, MCP__AUTH__JWT__ALGORITHMS: 'ES256' };
  return [
    { target: { key: 'mcp-core', era: 'modern', mode: 'CLI serve --http --demo, nothing on (the default)', command: serve }, env: {} },
    {
      target: { key: 'mcp-core-logs-metrics-limits', era: 'modern', mode: 'same, JSON logs at info, metrics, rate limits per client and per tool', command: serve },
      env: { MCP__LOGGING__LEVEL: 'info', MCP__LOGGING__FORMAT: 'json', MCP__METRICS__ENABLED: 'true', MCP__RATELIMITS__PERCLIENT: NEVER, MCP__RATELIMITS__PERTOOL: NEVER },
    },
    { target: { key: 'mcp-core-jwt', era: 'modern', mode: 'same, auth.mode jwt (ES256; key set fetched once; verified tokens cached)', command: serve }, env: jwt, jwt: true },
    {
      target: { key: 'mcp-core-jwt-uncached', era: 'modern', mode: 'same, auth.mode jwt with auth.tokenCache.maxEntries 0: the signature checked on every request', command: serve },
      env: { ...jwt, MCP__AUTH__TOKENCACHE__MAXENTRIES: '0' },
      jwt: true,
    },
  ];
}

export function securityCost(connections: number): Workload {
  const id = `security-${connections}`;
  return {
    id,
    group: 'security',
    async run(settings) {
      const keys = await new KeySet().start();
      try {
        const call = forEra(echoCall(SMALL_TEXT), 'modern');
        const specs = targets(keys).map(({ target, env, jwt }) =>
          httpRow(target, settings, {
            connections,
            env,
            prepare: async (url) => ({
              headers: { ...modernHeaders(call), ...(jwt ? { authorization: `Bearer ${await keys.token(url)}` } : {}) },
              body: requestBody(1, call),
              ids: 1,
              expect: ECHO_EXPECT,
              reject: ECHO_REJECT,
              check: echoed(SMALL_TEXT),
            }),
          }),
        );
        const rows = await measureRows(id, specs, settings.runs, loadCells);
        return {
          id,
          title: `Security cost: HTTP modern echo with logs, metrics and rate limits, or JWT auth, ${connections} in flight`,
          description:
            'POST /mcp tools/call echo (2026-07-28, stateless) to mcp-core serve --demo with nothing on, with JSON logs at info + metrics + rate limits per client and per tool, ' +
            `and with JWT authentication (every request carries a bearer token); wrk with ${connections} connection(s); ${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s.`,
          unit: 'req/s',
          higherIsBetter: true,
          columns: LOAD_COLUMNS,
          rows,
          notes: [
            ratioNote(rows, 'mcp-core-logs-metrics-limits', 'JSON logs at info + metrics + rate limits', 'with nothing on', 0.85),
            ratioNote(rows, 'mcp-core-jwt', 'JWT auth, key set cached', 'with nothing on', 0.8),
            ratioNote(rows, 'mcp-core-jwt-uncached', 'JWT auth, every signature checked (no cache of verified tokens)', 'with nothing on'),
            'The rate limits count every request and every tool call in memory, with limits no run reaches. The log lines go to the server\'s stderr, a pipe the bench reads.',
          ],
        };
      } finally {
        await keys.close();
      }
    },
  };
}
