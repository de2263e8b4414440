/** What a request, and a legacy session (its GET stream, or its stdio or WebSocket connection), hold while their client is not reading. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeldMessages, MAX_HELD_CHARS } from '../../src/server/held-messages.ts';
import { HeldNotifications } from '../../src/protocol/held-notifications.ts';

const log = (i: number, size = 100) => ({ jsonrpc: '2.0' as const, method: 'notifications/message', params: { level: 'info', data: `${i} ${'l'.repeat(size)}` } });

describe('HeldMessages (a request whose client is not reading)', () => {
  it('keeps the first log messages up to the bound, in order, and counts the rest', () => {
    const held = new HeldMessages();
    for (let i = 1; i <= 10_000; i++) held.log(log(i));
    const kept = held.messages.length;
    assert.ok(kept > 0 && kept * 150 <= MAX_HELD_CHARS, `${kept} kept`);
    assert.deepEqual(held.messages.map((message) => String(message.params!.data).split(' ')[0]), Array.from({ length: kept }, (_, i) => String(i + 1)));
    assert.equal(held.droppedLogs, 10_000 - kept);
    assert.match(held.droppedText()!, new RegExp(`^${10_000 - kept} log messages of this request were dropped`));
  });

  it('once one did not fit, later ones are dropped too, however small (the first ones tell how it began)', () => {
    const held = new HeldMessages();
    held.log(log(1, MAX_HELD_CHARS));
    held.log(log(2, 1));
    assert.equal(held.messages.length, 0);
    assert.equal(held.droppedLogs, 2);
  });

  it('holds a notification equal to one held once, and counts others past the bound apart from logs', () => {
    const held = new HeldMessages();
    const changed = { jsonrpc: '2.0' as const, method: 'notifications/tools/list_changed', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 1 } } };
    for (let i = 0; i < 1000; i++) held.notification(structuredClone(changed));
    held.log(log(1));
    held.notification(structuredClone(changed));
    assert.deepEqual(held.messages.map((message) => message.method), ['notifications/tools/list_changed', 'notifications/message']);
    assert.equal(held.droppedText(), undefined);
    for (let i = 0; i < 10_000; i++) held.notification({ jsonrpc: '2.0', method: 'notifications/custom', params: { i } });
    assert.ok(held.droppedNotifications > 0);
    assert.equal(held.droppedLogs, 0);
    assert.match(held.droppedText()!, /^\d+ notifications of this request were dropped/);
  });
});

describe('HeldNotifications (a legacy session whose client is not reading)', () => {
  const updated = (uri: string) => ({ jsonrpc: '2.0' as const, method: 'notifications/resources/updated', params: { uri } });
  const listChanged = { jsonrpc: '2.0' as const, method: 'notifications/tools/list_changed' };
  const events = () => new HeldNotifications<string>((event) => event.length);

  it('keeps one per list and per resource, the latest, which goes last', () => {
    const held = events();
    held.hold(updated('a'), 'a1');
    held.hold(listChanged, 't1');
    held.hold(updated('b'), 'b1');
    held.hold(updated('a'), 'a2');
    held.hold(listChanged, 't2');
    assert.deepEqual([...held.values()], ['b1', 'a2', 't2']);
    assert.equal(held.dropped, 0);
  });

  it('never coalesces a request or another notification: holds them in order up to the bound, then drops and counts them', () => {
    const held = events();
    const request = { jsonrpc: '2.0' as const, id: 1, method: 'roots/list' };
    const other = { jsonrpc: '2.0' as const, method: 'notifications/other' };
    const size = 1024;
    const fit = MAX_HELD_CHARS / size;
    for (let i = 0; i < fit; i++) assert.equal(held.hold(i % 2 === 0 ? request : other, `${i}`.padEnd(size)), true);
    assert.equal(held.size, fit);
    assert.equal(held.hold(other, 'x'), false);
    // Once one did not fit, later ones are dropped too, however small; coalesced ones are still held.
    assert.equal(held.hold(request, ''), false);
    assert.equal(held.hold(updated('a'), 'a1'), true);
    assert.equal(held.dropped, 2);
    assert.equal(held.size, fit + 1);
    assert.deepEqual([...held.values()].slice(0, 3).map((event) => event.trim()), ['0', '1', '2']);
  });
});
