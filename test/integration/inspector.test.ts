/**
 * The MCP Inspector's command line (`mcp-inspector --cli`, @modelcontextprotocol/inspector 1.x)
 * lists and calls tools on `mcp-core serve` protected by OAuth (JWT access tokens against a
 * real key set), sending its bearer token with `--header`; without one it is refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { configFile } from '../helpers/auth-requests.ts';
import { JwksServer } from '../helpers/jwks-server.ts';
import { ROOT } from '../helpers/processes.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const INSPECTOR = join(ROOT, 'node_modules', '.bin', 'mcp-inspector');

/** Runs the inspector's CLI mode; it starts its own `node`, which is this Node. */
function inspector(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [INSPECTOR, '--cli', url, '--transport', 'http', ...args], {
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('the MCP Inspector CLI against mcp-core serve with OAuth', () => {
  let jwks: JwksServer;
  let served: Served;
  let authorization: string;

  before(async () => {
    jwks = await new JwksServer().start();
    served = await startServe(['--config', configFile({ auth: { mode: 'jwt', jwt: { jwksUrl: jwks.jwksUrl, issuer: jwks.issuer } } }), '--http', '127.0.0.1:0']);
    authorization = `Authorization: Bearer ${await jwks.token({ audience: served.url, subject: 'inspector' })}`;
  });
  after(async () => {
    await stopServe(served);
    await jwks.close();
  });

  it('lists the tools', async () => {
    const { code, stdout, stderr } = await inspector(served.url, ['--method', 'tools/list', '--header', authorization]);
    assert.equal(code, 0, stderr);
    const names = (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name);
    assert.ok(names.includes('echo') && names.includes('whoami'), names.join());
  });

  it('calls a tool, as the token\'s principal', async () => {
    const echo = await inspector(served.url, ['--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=from the inspector', '--header', authorization]);
    assert.equal(echo.code, 0, echo.stderr);
    assert.deepEqual(JSON.parse(echo.stdout.slice(echo.stdout.indexOf('{'))).content, [{ type: 'text', text: 'from the inspector' }]);
    const whoami = await inspector(served.url, ['--method', 'tools/call', '--tool-name', 'whoami', '--header', authorization]);
    assert.equal(JSON.parse(whoami.stdout.slice(whoami.stdout.indexOf('{'))).content[0].text, 'inspector');
  });

  it('is refused without a token', async () => {
    const { code, stdout, stderr } = await inspector(served.url, ['--method', 'tools/list']);
    assert.notEqual(code, 0);
    assert.match(stdout + stderr, /Unauthorized|401/);
  });
});
