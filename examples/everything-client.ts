/**
 * The client the official conformance suite tests (`conformance client --command ...`): one
 * program for every client scenario. The suite starts it with the server's URL as the last
 * argument and the scenario in MCP_CONFORMANCE_SCENARIO; MCP_CONFORMANCE_PROTOCOL_VERSION
 * fixes the era (2026-07-28 is stateless, earlier revisions use the initialize handshake) and
 * MCP_CONFORMANCE_CONTEXT carries a scenario's credentials. Every scenario runs through
 * mcp-core's own McpClient, HTTP transport and OAuth client; nothing is hand-rolled here.
 *
 *   MCP_CONFORMANCE_SCENARIO=tools_call node examples/everything-client.ts http://127.0.0.1:3000/mcp
 */
// Imported from their modules rather than the package entry: the suite starts this program
// once per scenario, and loading only the client halves its start-up.
import { OAuthClientAuth, type OAuthClientAuthOptions } from '../src/client/auth/oauth-client-auth.ts';
import { McpClient } from '../src/client/client.ts';
import type { ElicitRequestParams, ElicitResult, Tool } from '../src/protocol/types.ts';
import { MODERN_VERSION } from '../src/protocol/versions.ts';
import { RedirectFollowingAuthorizer } from '../src/testing/redirect-following-authorizer.ts';
import { StreamableHttpClientTransport } from '../src/transport/http/client.ts';

type Context = Record<string, unknown>;
type Handler = (url: string, context: Context) => Promise<void>;

/** The URL this client would host its Client ID Metadata Document at (the suite expects it). */
const CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';

const modern = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION === MODERN_VERSION;

/**
 * fetch on a fresh connection each time, for the OAuth requests (discovery, registration,
 * tokens). The suite runs dozens of scenarios at once; on a loaded machine a reused keep-alive
 * connection can reach the scenario server just as that server closes it for idleness
 * (ECONNRESET). The transport's own fetch resends a request reset that way; the built-in fetch
 * the OAuth client uses does not.
 */
const freshConnectionFetch: typeof fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('connection', 'close');
  return fetch(input, { ...init, headers });
};

/** An elicitation answered with the defaults of the requested schema (SEP-1034). */
function acceptDefaults(params: ElicitRequestParams): ElicitResult {
  const content: Record<string, string | number | boolean> = {};
  const properties = (params as { requestedSchema?: { properties?: Record<string, { default?: unknown }> } }).requestedSchema?.properties ?? {};
  for (const [name, property] of Object.entries(properties)) {
    const value = property.default;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') content[name] = value;
  }
  if (Object.keys(content).length === 0) content.confirmed = true;
  return { action: 'accept', content };
}

interface ConnectOptions {
  auth?: OAuthClientAuthOptions;
  onElicit?: (params: ElicitRequestParams) => Promise<ElicitResult> | ElicitResult;
}

async function connect(url: string, options: ConnectOptions = {}): Promise<McpClient> {
  const client = new McpClient({
    name: 'mcp-core-everything-client',
    version: '1.0.0',
    era: modern ? 'modern' : 'legacy',
    onElicit: options.onElicit ?? acceptDefaults,
    onSample: () => ({ role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'none' }),
    onListRoots: () => ({ roots: [] }),
  });
  const auth = options.auth === undefined ? undefined : new OAuthClientAuth({ fetch: freshConnectionFetch, ...options.auth });
  await client.connect(new StreamableHttpClientTransport(url, { auth }));
  return client;
}

/** Arguments for a tool from its schema: the required properties, each with a plain value. */
function argumentsFor(tool: Tool): Record<string, unknown> {
  const schema = tool.inputSchema as { properties?: Record<string, { type?: unknown }>; required?: string[] };
  const args: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const type = schema.properties?.[name]?.type;
    args[name] = type === 'number' || type === 'integer' ? 1 : type === 'boolean' ? true : type === 'object' ? {} : type === 'array' ? [] : 'us-west1';
  }
  return args;
}

const scenarios = new Map<string, Handler>();

/** A scenario that connects, does `steps` with the client, and closes. */
function session(steps: (client: McpClient, context: Context) => Promise<void>): Handler {
  return async (url, context) => {
    const client = await connect(url);
    await steps(client, context);
    await client.close();
  };
}

/** Lists the tools and calls each one. */
const callEveryTool = session(async (client) => {
  for (const tool of await client.listTools()) await client.callTool(tool.name, argumentsFor(tool));
});

for (const name of ['initialize', 'request-metadata', 'json-schema-ref-no-deref']) {
  scenarios.set(
    name,
    session(async (client) => {
      await client.listTools();
    }),
  );
}

for (const name of ['elicitation-sep1034-client-defaults', 'sse-retry', 'http-invalid-tool-headers']) scenarios.set(name, callEveryTool);

scenarios.set(
  'tools_call',
  session(async (client) => {
    for (const tool of await client.listTools()) await client.callTool(tool.name, { a: 2, b: 3 });
  }),
);

scenarios.set(
  'json-schema-2020-12-preservation',
  session(async (client) => {
    const focal = (await client.listTools()).find((tool) => tool.name === 'json_schema_2020_12_tool');
    if (focal === undefined) throw new Error('json_schema_2020_12_tool is not listed');
    await client.callTool('json_schema_echo', { schema: focal.inputSchema });
  }),
);

scenarios.set(
  'http-standard-headers',
  session(async (client) => {
    for (const tool of await client.listTools()) await client.callTool(tool.name, argumentsFor(tool));
    for (const resource of await client.listResources()) await client.readResource(resource.uri as string);
    for (const prompt of await client.listPrompts()) await client.getPrompt(prompt.name as string);
  }),
);

scenarios.set(
  'http-custom-headers',
  session(async (client, context) => {
    await client.listTools();
    for (const call of context.toolCalls as Array<{ name: string; arguments: Record<string, unknown> }>) await client.callTool(call.name, call.arguments);
  }),
);

scenarios.set('sep-2322-client-request-state', async (url) => {
  // The unrelated call goes out while the first call waits for its input: it must carry
  // nothing of the other call's round (inputResponses, requestState).
  let client: McpClient | undefined;
  client = await connect(url, {
    onElicit: async (params) => {
      if (params.message.includes('no state')) return { action: 'accept', content: { confirmed: true } };
      await client!.callTool('test_mrtr_unrelated');
      return { action: 'accept', content: { confirmed: true } };
    },
  });
  await client.listTools();
  await client.callTool('test_mrtr_echo_state');
  await client.callTool('test_mrtr_no_state');
  await client.callTool('test_mrtr_no_result_type');
  await client.close();
});

// ---- authorization ------------------------------------------------------------------------------

async function callProtected(url: string, auth: OAuthClientAuthOptions): Promise<void> {
  const client = await connect(url, { auth });
  await client.listTools();
  await client.callTool('test-tool');
  await client.close();
}

const authorizer = new RedirectFollowingAuthorizer(undefined, freshConnectionFetch);
const userGrant = { type: 'authorization_code', authorizer, clientMetadataUrl: CLIENT_METADATA_URL } as const;
const conformanceClient = { client_name: 'mcp-core-everything-client', application_type: 'native' } as const;

for (const name of [
  'auth/basic-cimd',
  'auth/metadata-default',
  'auth/metadata-var1',
  'auth/metadata-var2',
  'auth/metadata-var3',
  'auth/2025-03-26-oauth-metadata-backcompat',
  'auth/2025-03-26-oauth-endpoint-fallback',
  'auth/scope-from-www-authenticate',
  'auth/scope-from-scopes-supported',
  'auth/scope-omitted-when-undefined',
  'auth/scope-step-up',
  'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic',
  'auth/token-endpoint-auth-post',
  'auth/token-endpoint-auth-none',
  'auth/resource-mismatch',
  'auth/offline-access-scope',
  'auth/offline-access-not-supported',
  'auth/authorization-server-migration',
  'auth/iss-supported',
  'auth/iss-not-advertised',
  'auth/iss-supported-missing',
  'auth/iss-wrong-issuer',
  'auth/iss-unexpected',
  'auth/iss-normalized',
  'auth/metadata-issuer-mismatch',
  'auth/dpop',
  'auth/dpop-nonce',
]) {
  scenarios.set(name, (url) => callProtected(url, { grant: userGrant, clientMetadata: conformanceClient }));
}

scenarios.set('auth/pre-registration', (url, context) =>
  callProtected(url, { grant: userGrant, client: { clientId: context.client_id as string, clientSecret: context.client_secret as string } }),
);

scenarios.set('auth/client-credentials-jwt', (url, context) =>
  callProtected(url, {
    grant: { type: 'client_credentials' },
    client: { clientId: context.client_id as string, privateKey: context.private_key_pem as string, signingAlgorithm: (context.signing_algorithm as string) ?? 'ES256' },
  }),
);

scenarios.set('auth/client-credentials-basic', (url, context) =>
  callProtected(url, { grant: { type: 'client_credentials' }, client: { clientId: context.client_id as string, clientSecret: context.client_secret as string } }),
);

scenarios.set('auth/enterprise-managed-authorization', (url, context) =>
  callProtected(url, {
    grant: { type: 'enterprise', idp: { tokenEndpoint: context.idp_token_endpoint as string, clientId: context.idp_client_id as string, idToken: context.idp_id_token as string } },
    client: { clientId: context.client_id as string, clientSecret: context.client_secret as string },
  }),
);

scenarios.set('auth/wif-jwt-bearer', (url, context) =>
  callProtected(url, {
    grant: { type: 'workload_identity', assertion: context.valid_jwt as string },
    client: { clientId: context.client_id as string, tokenEndpointAuthMethod: 'none' },
  }),
);

// ---- main ---------------------------------------------------------------------------------------

const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const url = process.argv.at(-1) ?? '';
const handler = scenarios.get(scenario);
if (handler === undefined || !/^https?:\/\//.test(url)) {
  console.error(`usage: MCP_CONFORMANCE_SCENARIO=<scenario> everything-client <server-url>\nscenarios: ${[...scenarios.keys()].join(', ')}`);
  process.exit(2);
}
const context = process.env.MCP_CONFORMANCE_CONTEXT === undefined ? {} : (JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT) as Context);
try {
  await handler(url, context);
} catch (error) {
  console.error(`${scenario}: ${(error as Error).message}`);
  process.exit(1);
}
