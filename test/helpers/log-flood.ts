/** Checks what a client read of a flood of numbered log messages it stopped reading for a while. */
import assert from 'node:assert/strict';

/**
 * `messages` (notifications before a request's answer) hold the flood's log messages from
 * `logger`, whose data starts with their number (1 to `count`), in order; each gap (those
 * dropped while the client did not read) is followed at once by a notice of logger `mcp-core` at
 * `level` counting exactly what is missing, all before the answer (held messages never follow
 * it). The client may have caught up for a while, so the flood may end with messages it got
 * as they came. Returns how many of the flood's messages were received.
 */
export function checkFloodLogs(messages: any[], count: number, logger: string, level = 'warning'): number {
  let next = 1;
  let received = 0;
  for (const message of messages) {
    assert.equal(message.method, 'notifications/message');
    if (message.params.logger === 'mcp-core') {
      assert.equal(message.params.level, level);
      assert.equal(typeof message.params.data.message, 'string');
      assert.ok(message.params.data.dropped > 0, message.params.data.message);
      next += message.params.data.dropped;
      continue;
    }
    assert.equal(message.params.logger, logger);
    assert.equal(message.params.data.slice(0, message.params.data.indexOf(' ')), String(next), `log message ${next} is missing, and no notice said so`);
    next++;
    received++;
  }
  // Ones dropped last, or held ones sent after the answer, would be missing here.
  assert.equal(next, count + 1, 'every log message was received before the answer or counted as dropped');
  assert.ok(received > 0 && received < count, `${received} of ${count} log messages were received`);
  return received;
}
