/**
 * A hostile MCP server process for the stdio client fuzz target: it answers each request it
 * reads with the next turn of the plan in the JSON file FUZZ_PLAN names (see stdio-turns.ts): lines, partial
 * lines, binary, huge lines, then an exit mid-answer or a closed stdout, or nothing. With
 * FUZZ_PROPER_HANDSHAKE set, server/discover and initialize get proper answers. On SIGUSR1 it
 * behaves (proper answers from then on) and says so on stderr.
 */
import { readFileSync } from 'node:fs';
import { properAnswer } from './proper-answers.ts';
import type { StdioTurn } from './stdio-turns.ts';
import { hugeAnswer, withId } from './turn-text.ts';

const plan = JSON.parse(readFileSync(process.env.FUZZ_PLAN!, 'utf8')) as StdioTurn[];
let behaving = false;
const properHandshake = process.env.FUZZ_PROPER_HANDSHAKE === '1';
process.on('SIGUSR1', () => {
  behaving = true;
  // A behaving server starts on a fresh line: a line of the plan's left without its end would
  // take the next answer with it (newline-delimited framing cannot tell where garbage ends).
  if (!process.stdout.writableEnded) process.stdout.write('\n');
  process.stderr.write('behaving\n');
});

function answer(message: { id?: unknown; method?: unknown }): void {
  const handshake = message.method === 'server/discover' || message.method === 'initialize';
  const turn = behaving || (properHandshake && handshake) ? undefined : plan.shift();
  if (turn === undefined) return void process.stdout.write(`${JSON.stringify(properAnswer(message))}\n`);
  for (const piece of turn.pieces) {
    if ('text' in piece) process.stdout.write(withId(piece.text, message.id));
    else if ('bytes' in piece) process.stdout.write(Buffer.from(piece.bytes, 'base64'));
    else process.stdout.write(`${hugeAnswer(message.id, piece.huge)}\n`);
  }
  if (turn.then === 'exit') process.exit(3);
  if (turn.then === 'close-stdout') process.stdout.end();
}

let rest = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  const lines = (rest + chunk).split('\n');
  rest = lines.pop()!;
  for (const line of lines) {
    let message: { id?: unknown; method?: unknown };
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    // Requests take turns; notifications and the client's answers are read and left.
    if (typeof message.method === 'string' && message.id !== undefined) answer(message);
  }
});
process.stdin.on('end', () => process.exit(0));
