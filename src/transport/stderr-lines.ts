/**
 * A child's stderr copied to ours line by line, each after a prefix, within a budget of bytes
 * per second, with its control characters made visible.
 *
 * Why each part:
 * - Whole lines after the child's name: none of its lines can pass for a record of our own log
 *   (a JSON line of its making), nor run into one (a line left without its newline would glue
 *   itself to our next record).
 * - A budget (a token bucket: `bytesPerSecond`, up to `burstBytes` saved): a child that floods
 *   its stderr would otherwise take our CPU (copying 500 MiB in lines of 2 bytes took 13 s of
 *   it) and fill our log. Past the budget, lines are dropped and counted, and one line per
 *   interval (10 s) says how much was dropped. While over budget a chunk is dropped whole,
 *   unsplit, and nothing of it is decoded.
 * - Control characters (C0 but TAB, DEL, C1, the bidirectional controls and the line
 *   separators: protocol/terminal-text.ts) are written as `\x1b`, `\r` or `\u202e` text: an
 *   escape sequence copied raw would reach the operator's terminal (move the cursor, rewrite
 *   earlier lines, set the window title), and a carriage return would overwrite the prefix
 *   that says whose line it is.
 */
import { REPORT_INTERVAL_MS } from '../protocol/report-interval.ts';
import { terminalText } from '../protocol/terminal-text.ts';

/** How much of a child's stderr is copied: bytes per second, and how many may be saved up for a burst. */
export interface StderrBudget {
  bytesPerSecond: number;
  burstBytes: number;
}

/** 64 KiB a second, 1 MiB at once: far more than any log a server means to be read. */
export const DEFAULT_STDERR_BUDGET: StderrBudget = Object.freeze({ bytesPerSecond: 64 * 1024, burstBytes: 1024 * 1024 });

/** The longest piece of a line copied at once: a longer line is copied in pieces, each prefixed. */
export const STDERR_LINE_BYTES = 8192;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const NOTHING = Buffer.alloc(0);

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} bytes`;
}

export interface StderrLinesOptions {
  /** In front of each line, e.g. `[files] `. */
  prefix: string;
  /** What is copied at most; unlimited when undefined. */
  budget?: StderrBudget;
  /** Writes text (whole lines) to our stderr. */
  write(text: string): void;
}

/**
 * Copies a child's stderr, given chunk by chunk as Buffers, line by line.
 *
 * @example
 * const lines = new StderrLines({ prefix: '[files] ', budget: DEFAULT_STDERR_BUDGET, write: (text) => process.stderr.write(text) });
 * child.stderr.on('data', (chunk) => lines.write(chunk));
 * child.stderr.once('end', () => lines.end());
 */
export class StderrLines {
  readonly #prefix: string;
  readonly #budget: StderrBudget | undefined;
  readonly #write: (text: string) => void;
  /** The start of a line whose newline has not come yet (at most STDERR_LINE_BYTES). */
  #pending: Buffer;
  /** The rest of the current line is dropped: its start was. */
  #dropping: boolean;
  /** What one write() copies, written at once at its end. */
  #out: string;
  /** Bytes that may be copied now (the token bucket). */
  #tokens: number;
  #refilledAt: number;
  /** Bytes dropped since the last report, and when the first of them was. */
  #dropped: number;
  #droppedSince: number;
  #report: NodeJS.Timeout | undefined;

  constructor(options: StderrLinesOptions) {
    this.#prefix = options.prefix;
    this.#budget = options.budget;
    this.#write = options.write;
    this.#pending = NOTHING;
    this.#dropping = false;
    this.#out = '';
    this.#tokens = options.budget?.burstBytes ?? Infinity;
    this.#refilledAt = performance.now();
    this.#dropped = 0;
    this.#droppedSince = 0;
    this.#report = undefined;
  }

  write(chunk: Buffer): void {
    this.#refill();
    let start = 0;
    while (start < chunk.length) {
      if (this.#tokens < 1) {
        this.#dropRest(chunk, start);
        break;
      }
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      const complete = newline !== -1;
      if (this.#dropping) {
        // The rest of a line whose start was dropped: not copied alone, as a fragment.
        this.#drop(end - start + (complete ? 1 : 0));
        this.#dropping = !complete;
      } else if (!this.#take(chunk.subarray(start, end), complete)) {
        // Over budget: the rest of the chunk is dropped, unsplit.
        this.#dropRest(chunk, end + 1);
        break;
      }
      start = end + 1;
    }
    this.#flush();
  }

  /** The child's stderr ended: its last line, if it had no newline, and the count of what was dropped. */
  end(): void {
    if (this.#pending.length > 0 && !this.#dropping) this.#take(NOTHING, true);
    this.#pending = NOTHING;
    this.#dropping = false;
    this.#flush();
    this.#reportDropped();
  }

  /**
   * Copies `piece` (after what is held of its line) when the budget allows, in pieces of
   * STDERR_LINE_BYTES; holds what is left of it when its line goes on (`complete` false).
   * False when the budget did not allow it: what did not fit is dropped.
   */
  #take(piece: Buffer, complete: boolean): boolean {
    let line = this.#pending.length === 0 ? piece : Buffer.concat([this.#pending, piece]);
    this.#pending = NOTHING;
    while (line.length > STDERR_LINE_BYTES) {
      const cut = characterBoundary(line, STDERR_LINE_BYTES);
      if (!this.#spend(cut + 1)) return this.#refuse(line.length + (complete ? 1 : 0), complete);
      this.#out += this.#line(line.subarray(0, cut));
      line = line.subarray(cut);
    }
    if (!complete) {
      // A copy: the chunk it is a view of is much larger than what is kept of it.
      this.#pending = Buffer.from(line);
      return true;
    }
    if (!this.#spend(line.length + 1)) return this.#refuse(line.length + 1, complete);
    this.#out += this.#line(line);
    return true;
  }

  #refuse(bytes: number, complete: boolean): false {
    this.#drop(bytes);
    this.#dropping = !complete;
    return false;
  }

  /** One line as written: the prefix, its text with controls escaped, a newline. */
  #line(line: Buffer): string {
    // A CRLF line end is a line end, not a carriage return to show.
    const end = line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.length - 1 : line.length;
    return `${this.#prefix}${terminalText(line.toString('utf8', 0, end))}\n`;
  }

  #flush(): void {
    if (this.#out === '') return;
    const out = this.#out;
    this.#out = '';
    this.#write(out);
  }

  /** Drops what is held and `chunk` from `start` on, without splitting it into lines. */
  #dropRest(chunk: Buffer, start: number): void {
    if (start >= chunk.length) return;
    this.#drop(this.#pending.length + chunk.length - start);
    this.#pending = NOTHING;
    // A chunk that ends mid-line: the rest of that line, in the next chunk, goes too.
    this.#dropping = chunk[chunk.length - 1] !== NEWLINE;
  }

  #refill(): void {
    const budget = this.#budget;
    if (budget === undefined) return;
    const now = performance.now();
    this.#tokens = Math.min(budget.burstBytes, this.#tokens + ((now - this.#refilledAt) * budget.bytesPerSecond) / 1000);
    this.#refilledAt = now;
  }

  /** Takes `bytes` from the budget; false (taking nothing) when it has not that many. */
  #spend(bytes: number): boolean {
    if (this.#tokens < bytes) return false;
    this.#tokens -= bytes;
    return true;
  }

  #drop(bytes: number): void {
    if (bytes === 0) return;
    if (this.#dropped === 0) {
      this.#droppedSince = performance.now();
      this.#report = setTimeout(() => this.#reportDropped(), REPORT_INTERVAL_MS);
      this.#report.unref();
    }
    this.#dropped += bytes;
  }

  /**
   * One line saying how much was dropped since the last, in words the child cannot forge: its
   * own lines all start with the prefix, this one does not.
   */
  #reportDropped(): void {
    clearTimeout(this.#report);
    this.#report = undefined;
    if (this.#dropped === 0) return;
    const budget = this.#budget!;
    const seconds = Math.max(1, Math.round((performance.now() - this.#droppedSince) / 1000));
    this.#write(
      `mcp-core: ${this.#prefix.trim()} stderr: ${this.#dropped} bytes (${size(this.#dropped)}) dropped in ${seconds} s, over its budget of ${size(budget.bytesPerSecond)}/s (burst ${size(budget.burstBytes)})\n`,
    );
    this.#dropped = 0;
  }
}

/** The largest cut at most `at` bytes into `bytes` that does not split a UTF-8 character. */
function characterBoundary(bytes: Buffer, at: number): number {
  let cut = at;
  // Continuation bytes are 10xxxxxx: back up to the start of the character (at most 3).
  while (cut > at - 4 && cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut > 0 ? cut : at;
}
