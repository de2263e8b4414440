/**
 * The security API as a library user wires it (`mcp-core/security`), over real HTTP on both
 * faces, against a real JSON Web Key Set: a resource server for a public URL that is not the
 * listener's (behind a proxy), tools declaring their scopes (the list filtered when an inner
 * interceptor answers it later), and tasks bound to the principal that created them; the key
 * set's cooldown against made-up key ids.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { McpServer } from '../../src/server/server.ts';
import { JwtVerifier, ResourceServer, TokenProblem, useToolScopes } from '../../src/security/index.ts';
import { FACES, type Served } from '../helpers/faces.ts';
import { JwksServer } from '../helpers/jwks-server.ts';
import { call, challenge, modern, text } from '../helpers/auth-requests.ts';

const RESOURCE = 'https://mcp.example.test/tools/mcp';
const TASKS = { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };

function createServer(): McpServer {
  const server = new McpServer({ name: 'secured', version: '1.0.0' });
  server.tool('whoami', { description: 'The caller' }, (_args, ctx) => `${ctx.auth?.subject} ${ctx.auth?.clientId} ${ctx.auth?.scopes.join(',')} ${typeof ctx.auth?.token}`);
  server.tool('deploy', { description: 'Deploys', scopes: ['deploy'] }, () => 'deployed');
  server.tool('job', { description: 'A long task', taskSupport: 'required' }, async (_args, ctx) => {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    return 'stopped';
  });
  return server;
}

for (const face of FACES) {
  describe(`the security API, ${face.name} face`, () => {
    let jwks: JwksServer;
    let served: Served;
    const token = (subject: string, scope = 'mcp') => jwks.token({ audience: RESOURCE, subject, scope });

    before(async () => {
      jwks = await new JwksServer().start();
      const server = createServer();
      const auth = new ResourceServer({
        resource: RESOURCE,
        authorizationServers: [jwks.issuer],
        verifier: new JwtVerifier({ jwksUrl: jwks.jwksUrl, issuer: jwks.issuer, audience: RESOURCE }),
      });
      useToolScopes(server, { challenges: auth.challenges });
      // An interceptor inside the scopes' one that answers later (one awaiting an audit store,
      // say): the tools a caller may not use are left out of the list once it comes.
      server.use((next) => async (request, exchange) => {
        await setImmediate();
        return next(request, exchange);
      }, { methods: ['tools/list'] });
      served = await face.serve(server, { edge: auth.edge });
    });
    after(async () => {
      await served.close();
      await jwks.close();
    });

    it('hands handlers the principal: subject, client, scopes, and the token for those who must present it', async () => {
      assert.equal(text(await call(served.url, await token('alice', 'mcp files:read'), 'whoami')), 'alice test-client mcp,files:read string');
    });

    it('enforces the scopes a tool declares (ToolConfig.scopes): hidden, and 403 with the resource metadata', async () => {
      const plain = await token('alice');
      const listed = await modern(served.url, plain, 'tools/list');
      assert.deepEqual(listed.json.result.tools.map((tool: { name: string }) => tool.name), ['whoami', 'job']);
      const refused = await call(served.url, plain, 'deploy');
      assert.equal(refused.status, 403);
      assert.deepEqual(challenge(refused.headers.get('www-authenticate')), {
        error: 'insufficient_scope',
        scope: 'mcp deploy',
        resource_metadata: 'https://mcp.example.test/.well-known/oauth-protected-resource/tools/mcp',
        error_description: 'tool deploy needs more scopes',
      });
      assert.equal(text(await call(served.url, await token('alice', 'mcp deploy'), 'deploy')), 'deployed');
    });

    it('binds tasks to their principal: another one can neither see nor cancel them', async () => {
      const alice = await token('alice');
      const created = await modern(served.url, alice, 'tools/call', { name: 'job', arguments: {}, _meta: TASKS });
      const { taskId } = created.json.result;
      assert.equal(typeof taskId, 'string', created.text);
      const mallory = await token('mallory');
      for (const method of ['tasks/get', 'tasks/cancel']) {
        const stolen = await modern(served.url, mallory, method, { taskId, _meta: TASKS });
        assert.equal(stolen.json.error?.code, -32602, `${method}: ${stolen.text}`);
        assert.match(stolen.json.error.message, /Task not found/);
      }
      assert.equal((await modern(served.url, alice, 'tasks/get', { taskId, _meta: TASKS })).json.result.status, 'working');
      assert.equal((await modern(served.url, alice, 'tasks/cancel', { taskId, _meta: TASKS })).json.result.resultType, 'complete');
    });
  });
}

describe('JwtVerifier: the key set cooldown', () => {
  let jwks: JwksServer;
  before(async () => {
    jwks = await new JwksServer().start();
  });
  after(() => jwks.close());

  it('does not fetch the key set again for an unknown key id within the cooldown, and does after it', async () => {
    const verifier = new JwtVerifier({ jwksUrl: jwks.jwksUrl, issuer: jwks.issuer, audience: RESOURCE, jwksCooldownMs: 60_000 });
    const good = await verifier.verify(await jwks.token({ audience: RESOURCE }));
    assert.equal(typeof good === 'object' && good.subject, 'alice');
    assert.equal(jwks.fetches, 1);
    for (let i = 0; i < 5; i++) assert.equal(await verifier.verify(await jwks.token({ audience: RESOURCE, foreignKid: `made-up-${i}` })), TokenProblem.Invalid);
    assert.equal(jwks.fetches, 1);
    // Without a cooldown, a new key is picked up on its first token.
    const eager = new JwtVerifier({ jwksUrl: jwks.jwksUrl, issuer: jwks.issuer, audience: RESOURCE, jwksCooldownMs: 0 });
    await eager.verify(await jwks.token({ audience: RESOURCE }));
    await jwks.addKey('key-2');
    const rotated = await eager.verify(await jwks.token({ audience: RESOURCE, kid: 'key-2', subject: 'bob' }));
    assert.equal(typeof rotated === 'object' && rotated.subject, 'bob');
  });

  it('never accepts shared-secret or unsigned algorithms', () => {
    for (const algorithms of [['HS256'], ['none'], ['ES256', 'HS512']]) {
      assert.throws(() => new JwtVerifier({ jwksUrl: jwks.jwksUrl, issuer: jwks.issuer, audience: RESOURCE, algorithms }), /asymmetric/);
    }
  });
});
