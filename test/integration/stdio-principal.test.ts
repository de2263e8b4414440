/** A stdio connection carries the principal it was given: handlers see it as ctx.auth. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { ROOT } from '../helpers/processes.ts';

describe('stdio principal', () => {
  for (const era of ['modern', 'legacy'] as const) {
    it(`reaches handlers as ctx.auth (${era} era)`, async () => {
      const client = new McpClient({ name: 't', version: '1', era });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'test/fixtures/stdio-principal.ts'), 'operator'], stderr: 'ignore' }));
      try {
        const result = await client.callTool('whoami', {});
        assert.equal((result.content as Array<{ text: string }>)[0].text, 'operator');
      } finally {
        await client.close();
      }
    });
  }
});
