/**
 * The container image's HEALTHCHECK: exits 0 when `GET /healthz` on the local listener answers
 * 200, 1 otherwise, with one line saying why (shown by `docker inspect`).
 *
 * It asks 127.0.0.1 on MCP__HTTP__PORT (the image sets 3000). A listener with TLS on is asked
 * over HTTPS when plain HTTP fails, without checking its certificate: this probes the local
 * process for liveness, it trusts nothing it is told. A listener that requires client
 * certificates cannot be probed this way: give such a container a probe of its own.
 *
 * @example
 * // docker run ... --health-cmd 'node /app/container/healthcheck.js'
 * // MCP__HTTP__PORT=8080 node container/healthcheck.js   # exit code 0: healthy
 */
import { get as getHttp } from 'node:http';
import { get as getHttps } from 'node:https';

const port = Number(process.env.MCP__HTTP__PORT || 3000);
/** Below the HEALTHCHECK's own --timeout (5 s), so the probe reports why it failed. */
const TIMEOUT_MS = 4000;

/** Resolves with undefined when healthy, or the reason it is not. */
function probe(get, options = {}) {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/healthz', timeout: TIMEOUT_MS, ...options }, (response) => {
      response.resume();
      resolve(response.statusCode === 200 ? undefined : `GET /healthz answered ${response.statusCode}`);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    request.on('error', (error) => resolve(error.message));
  });
}

const overHttp = await probe(getHttp);
// Connection refused: nothing listens, HTTPS would not do better.
const reason = overHttp === undefined || overHttp.includes('ECONNREFUSED') ? overHttp : await probe(getHttps, { rejectUnauthorized: false }).then((overHttps) => (overHttps === undefined ? undefined : `${overHttp}; over HTTPS: ${overHttps}`));
console.log(reason === undefined ? `healthy: 127.0.0.1:${port}/healthz` : `unhealthy: 127.0.0.1:${port}/healthz: ${reason}`);
process.exitCode = reason === undefined ? 0 : 1;
