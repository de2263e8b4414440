import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOriginCheck } from '../../src/security/origin.ts';

describe('Origin and Host checks (DNS rebinding)', () => {
  it('lets only loopback in when serving on loopback', () => {
    const check = createOriginCheck({ loopback: true });
    assert.equal(check(undefined, '127.0.0.1:3000'), undefined);
    assert.equal(check('http://localhost:5173', 'localhost:3000'), undefined);
    assert.equal(check('http://[::1]:8080', '[::1]:3000'), undefined);
    assert.match(check('http://evil.example', '127.0.0.1:3000')!, /Origin/);
    assert.match(check(undefined, 'evil.example:3000')!, /Host/);
    assert.match(check('null', '127.0.0.1')!, /Origin/);
    // Two Host headers, as a fetch face sees them (joined): not one host, whichever comes first.
    assert.match(check(undefined, '127.0.0.1:3000, evil.example')!, /Host 127\.0\.0\.1:3000, evil\.example is not one host/);
  });

  it('follows allow-lists when given', () => {
    const check = createOriginCheck({ allowedOrigins: ['https://app.example.com'], allowedHosts: ['mcp.example.com'] });
    assert.equal(check('https://app.example.com', 'mcp.example.com'), undefined);
    assert.equal(check(undefined, 'mcp.example.com:443'), undefined);
    assert.ok(check('https://other.example.com', 'mcp.example.com'));
    assert.ok(check(undefined, 'other.example.com'));
  });

  it('allows same-origin browser requests when public and unconfigured', () => {
    const check = createOriginCheck({});
    assert.equal(check('https://mcp.example.com', 'mcp.example.com'), undefined);
    assert.ok(check('https://evil.example', 'mcp.example.com'));
  });
});
