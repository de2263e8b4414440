/**
 * An upstream's prompts through the gateway: listed and got by their namespaced names, with
 * their arguments, the upstream's refusal of missing ones passed on, and the resource URIs in
 * their messages (an embedded resource, a resource link) rewritten to the gateway's form, so
 * that the caller reads them through the gateway. A real upstream process over stdio.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Gateway } from '../../src/manager/gateway.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { scratch } from '../helpers/gateway.ts';
import { ROOT } from '../helpers/processes.ts';

/** The upstream: `hello {who}`, `linked` (a text, an embedded resource and a link to it), and `docs://guide`. */
function promptsServer(): string {
  const src = (file: string) => JSON.stringify(join(ROOT, 'src', file));
  return `
import { McpServer } from ${src('server/server.ts')};
import { ServerConnection } from ${src('server/connection.ts')};
import { StdioServerTransport } from ${src('transport/stdio.ts')};
const server = new McpServer({ name: 'docs', version: '1.0.0' });
server.resource('docs://guide', { name: 'guide', mimeType: 'text/plain' }, () => 'the guide');
server.prompt('hello', { arguments: [{ name: 'who', required: true }] }, ({ who }) => 'Hello ' + who);
server.prompt('linked', {}, () => [
  { role: 'user', content: { type: 'text', text: 'Read docs://guide first.' } },
  { role: 'user', content: { type: 'resource', resource: { uri: 'docs://guide', mimeType: 'text/plain', text: 'the guide' } } },
  { role: 'assistant', content: { type: 'resource_link', uri: 'docs://guide', name: 'guide' } },
]);
new ServerConnection(server, new StdioServerTransport(), { onClose: () => process.exit(0) }).start();
`;
}

describe('prompts through the gateway', { timeout: 60_000 }, () => {
  it('are got by their namespaced names with their arguments, and the resource URIs in their messages lead back through the gateway', async () => {
    const script = join(await scratch(), 'prompts-server.ts');
    await writeFile(script, promptsServer());
    const manager = new McpManager({ mcpServers: { docs: { command: process.execPath, args: [script] } } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const { client, close } = await connectInMemory(server);
    try {
      assert.deepEqual((await client.listPrompts()).map((prompt) => prompt.name).sort(), ['docs__hello', 'docs__linked']);
      const hello = await client.getPrompt('docs__hello', { who: 'Ada' });
      assert.deepEqual(hello.messages, [{ role: 'user', content: { type: 'text', text: 'Hello Ada' } }]);
      await assert.rejects(client.getPrompt('docs__hello', {}), /who/);

      const linked = (await client.getPrompt('docs__linked')).messages as Array<{ role: string; content: Record<string, any> }>;
      // Text is the upstream's own words: left as it is.
      assert.equal(linked[0].content.text, 'Read docs://guide first.');
      assert.deepEqual(linked[1].content.resource, { uri: 'docs://docs__guide', mimeType: 'text/plain', text: 'the guide' });
      assert.deepEqual(linked[2], { role: 'assistant', content: { type: 'resource_link', uri: 'docs://docs__guide', name: 'guide' } });
      const read = await client.readResource(linked[2].content.uri);
      assert.deepEqual(read.contents, [{ uri: 'docs://docs__guide', mimeType: 'text/plain', text: 'the guide' }]);
    } finally {
      await close();
      await manager.close();
    }
  });
});
