/**
 * The roots of a manager's one owner (`ManagerOptions.onListRoots`) given to its upstreams:
 * `@modelcontextprotocol/server-everything` over stdio (2025) asks for them once initialized
 * (or in its first call), shows them with its `get-roots-list` tool, and asks again when told they
 * changed (`rootsChanged()`). Without an owner's roots, upstreams are offered none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpManager } from '../../src/manager/manager.ts';
import type { Root } from '../../src/protocol/types.ts';
import { EVERYTHING } from '../helpers/gateway.ts';

const everything = { command: process.execPath, args: [EVERYTHING, 'stdio'] };

function text(result: { content?: unknown }): string {
  return (result.content as Array<{ text?: string }>).map((block) => block.text ?? '').join('');
}

describe('the owner\'s roots, given to upstreams', () => {
  it('a 2025 upstream gets them when it asks, and asks again, outside any call, once told they changed', async () => {
    let roots: Root[] = [{ uri: 'file:///srv/first', name: 'First' }];
    let asked = 0;
    const manager = new McpManager({ mcpServers: { everything } }, {}, {
      onListRoots: () => {
        asked++;
        return { roots };
      },
    });
    try {
      await manager.start();
      const shown = text(await manager.callTool('everything__get-roots-list'));
      assert.match(shown, /file:\/\/\/srv\/first/);
      assert.match(shown, /First/);
      const before = asked;
      roots = [{ uri: 'file:///srv/second' }];
      manager.rootsChanged();
      // The upstream asks again on its own time: call until it shows the new roots.
      while (!text(await manager.callTool('everything__get-roots-list')).includes('file:///srv/second'));
      assert.ok(asked > before);
    } finally {
      await manager.close();
    }
  });

  it('without them, upstreams are offered no roots and rootsChanged() tells nobody', async () => {
    const manager = new McpManager({ mcpServers: { everything } });
    try {
      const names = (await manager.listTools()).map((tool) => tool.name);
      assert.ok(names.includes('everything__echo'));
      assert.ok(!names.includes('everything__get-roots-list'));
      manager.rootsChanged();
      assert.equal(text(await manager.callTool('everything__echo', { message: 'still here' })), 'Echo: still here');
    } finally {
      await manager.close();
    }
  });
});
