/**
 * DPoP proofs (RFC 9449 Section 4), checked with jose as a resource server would: a fresh `jti`
 * per proof, `htm`/`htu` of the request without query or fragment, `ath` of the token, the
 * public key (never the private part) in the header, and the server's nonce once given.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { DpopProver } from '../../src/client/auth/dpop.ts';

async function verify(proof: string) {
  const header = decodeProtectedHeader(proof);
  assert.equal(header.typ, 'dpop+jwt');
  assert.equal(header.alg, 'ES256');
  const jwk = header.jwk as JWK;
  assert.equal(jwk.d, undefined, 'the private key is in the proof');
  const { payload } = await jwtVerify(proof, await importJWK(jwk, 'ES256'));
  return { payload, jwk };
}

test('each proof is fresh and bound to the request and the token', async () => {
  const prover = await DpopProver.create();
  const url = new URL('https://mcp.example.com/mcp?x=1#frag');
  const first = await verify(await prover.proof('POST', url, 'token-1'));
  const second = await verify(await prover.proof('POST', url, 'token-1'));
  assert.notEqual(first.payload.jti, second.payload.jti);
  assert.equal(first.payload.htm, 'POST');
  assert.equal(first.payload.htu, 'https://mcp.example.com/mcp');
  assert.equal(first.payload.ath, createHash('sha256').update('token-1').digest('base64url'));
  assert.equal(typeof first.payload.iat, 'number');
  assert.equal(first.payload.nonce, undefined);
  const tokenProof = await verify(await prover.proof('POST', new URL('https://as.example.com/token')));
  assert.equal(tokenProof.payload.ath, undefined);
});

test('a nonce given by an origin goes into that origin\'s proofs only; a bad nonce is ignored', async () => {
  const prover = await DpopProver.create();
  const answer = (nonce: string) => new Response(null, { status: 401, headers: { 'dpop-nonce': nonce } });
  const rs = new URL('https://mcp.example.com/mcp');
  assert.equal(prover.learnNonce(rs, answer('n-1')), true);
  assert.equal(prover.learnNonce(rs, answer('n-1')), false, 'a nonce already known is not worth a retry');
  assert.equal(prover.learnNonce(rs, answer('bad "nonce"')), false);
  assert.equal((await verify(await prover.proof('POST', rs))).payload.nonce, 'n-1');
  assert.equal((await verify(await prover.proof('POST', new URL('https://as.example.com/token')))).payload.nonce, undefined);
});

test('a stored key proves possession of the same key', async () => {
  const prover = await DpopProver.create();
  const restored = await DpopProver.fromJwk(prover.privateJwk);
  const a = await verify(await prover.proof('GET', new URL('https://x.example/mcp')));
  const b = await verify(await restored.proof('GET', new URL('https://x.example/mcp')));
  assert.equal(await calculateJwkThumbprint(a.jwk), await calculateJwkThumbprint(b.jwk));
});
