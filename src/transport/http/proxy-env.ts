/**
 * Outbound HTTP through the proxy the environment names, as curl and most tools read it:
 * `HTTPS_PROXY` for https: URLs, `HTTP_PROXY` for http: ones, `NO_PROXY` for hosts reached
 * directly (lower-case names too). A deployment whose only way out is a proxy (a company
 * network, a locked-down cluster) reaches a gateway's HTTP upstreams and an MCP server this
 * package's client calls through it; undici's EnvHttpProxyAgent reads the variables and
 * tunnels https: with CONNECT.
 */
const NAMES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/** Whether the environment names a proxy for outbound HTTP. */
export function proxyInEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return NAMES.some((name) => (env[name] ?? '') !== '');
}

/**
 * Sends the global `fetch` (a key set, an introspection, an authorization server's endpoints)
 * through the same proxy, unless Node does already (NODE_USE_ENV_PROXY=1). For the binary:
 * the global dispatcher is the whole process's.
 */
export async function proxyGlobalFetch(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!proxyInEnv(env) || env.NODE_USE_ENV_PROXY === '1') return;
  const { EnvHttpProxyAgent, setGlobalDispatcher } = (await import('undici')).default;
  setGlobalDispatcher(new EnvHttpProxyAgent());
}
