/**
 * The transfer floor for the large-payload echo: not a JSON server. It finds the id and the
 * text of each request by searching its bytes, and answers with the echo result built from
 * those same bytes, so nothing is parsed, serialized, decoded or encoded. What it takes is what
 * moving the bytes through the pipes costs; every server pays it, and the JSON work on top.
 *
 * It understands only the benchmark's requests (a text needing no JSON escapes).
 */
const NEWLINE = 0x0a;
const ID_KEY = Buffer.from('"id":');
const TEXT_KEY = Buffer.from('"text":"');
const QUOTE = 0x22;
const SERVER_INFO = '"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"bare-bytes","version":"0.1.0"}}';
const RESULT_TAIL = Buffer.from(`"}],"resultType":"complete",${SERVER_INFO}}}\n`);

function answer(line: Buffer): void {
  const idStart = line.indexOf(ID_KEY) + ID_KEY.length;
  const idEnd = line.indexOf(0x2c /* , */, idStart);
  const textStart = line.indexOf(TEXT_KEY) + TEXT_KEY.length;
  const textEnd = line.indexOf(QUOTE, textStart);
  process.stdout.cork();
  process.stdout.write(`{"jsonrpc":"2.0","id":${line.toString('latin1', idStart, idEnd)},"result":{"content":[{"type":"text","text":"`);
  process.stdout.write(line.subarray(textStart, textEnd));
  process.stdout.write(RESULT_TAIL);
  process.stdout.uncork();
}

let parts: Buffer[] = [];
process.stdin.on('data', (chunk: Buffer) => {
  let start = 0;
  let newline = chunk.indexOf(NEWLINE);
  while (newline !== -1) {
    parts.push(chunk.subarray(start, newline));
    answer(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    parts = [];
    start = newline + 1;
    newline = chunk.indexOf(NEWLINE, start);
  }
  if (start < chunk.length) parts.push(chunk.subarray(start));
});
process.stdin.on('end', () => process.exit(0));
