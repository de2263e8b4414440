// The official TypeScript SDK's client (v1) calling a server over Streamable HTTP, for the
// Python tests: `node sdk_http_client.mjs URL TOOL ARGS_JSON` prints {"tools": [...], "result": {...}}.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, tool, args] = process.argv.slice(2);
const client = new Client({ name: 'sdk-http-client', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(url)));
const { tools } = await client.listTools();
const progress = [];
const result = await client.callTool({ name: tool, arguments: JSON.parse(args) }, undefined, { onprogress: (p) => progress.push(p.progress) });
process.stdout.write(`${JSON.stringify({ tools, result, progress, server: client.getServerVersion() })}\n`);
await client.close();
