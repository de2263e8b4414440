/**
 * Generated turns of a hostile stdio server (played by stdio-peer.ts): what it writes in
 * answer to one request. Generated messages (hostile-messages.ts) as lines, as lines cut
 * short or run together, binary, huge lines (past the client's bound or within it), garbage
 * between valid messages; then it goes on, exits mid-answer, or closes its stdout.
 */
import fc from 'fast-check';
import { excerpt, shownAs } from './arbitraries.ts';
import { saying } from './hostile-messages.ts';
import { TURN_ID as ID } from './turn-text.ts';

export type StdioPiece = { text: string } | { bytes: string } | { huge: number };

export interface StdioTurn {
  pieces: StdioPiece[];
  then: 'continue' | 'exit' | 'close-stdout';
}

const piece: fc.Arbitrary<StdioPiece> = fc.oneof(
  { weight: 8, arbitrary: saying.map((said) => ({ text: `${said.render(ID)}\n` })) },
  // A line without its end: it runs into what follows.
  { weight: 2, arbitrary: fc.tuple(saying, fc.double({ min: 0, max: 1, noNaN: true })).map(([said, at]) => {
    const text = said.render(ID);
    return { text: text.slice(0, Math.floor(at * text.length)) };
  }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 100 }).map((bytes) => ({ bytes: Buffer.from(bytes).toString('base64') })) },
  { weight: 1, arbitrary: fc.constantFrom('\n', '\r\n', '\n\n\n', ' \n', '\u0000\n', '\ufeff{}\n').map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.constantFrom(40_000, 70_000, 300_000).map((huge) => ({ huge })) },
);

export const stdioTurn: fc.Arbitrary<StdioTurn> = fc
  .record({
    pieces: fc.array(piece, { maxLength: 5 }),
    then: fc.oneof({ weight: 10, arbitrary: fc.constant<StdioTurn['then']>('continue') }, { weight: 1, arbitrary: fc.constantFrom<StdioTurn['then']>('exit', 'close-stdout') }),
  })
  .map((turn) => shownAs(turn, () => `{ pieces: ${JSON.stringify(turn.pieces, (_key, value) => (typeof value === 'string' ? excerpt(value) : value))}, then: '${turn.then}' }`));
