/**
 * Text a peer chose (an upstream's tool names, descriptions and results, a server's error
 * messages, an authorization server's answers) made safe to print where a terminal may show
 * it. A terminal obeys what it is sent: ESC starts a command (`ESC [ 2 J` clears the screen,
 * `ESC ] 8` makes a hyperlink whose target differs from its text, `ESC ] 52` writes the
 * clipboard), CR and backspace overwrite what was printed, the C1 codes U+0080..U+009F are
 * commands of their own (U+009B is ESC [), and the bidirectional overrides (U+202E...) show
 * text in another order than it is (Trojan Source, CVE-2021-42574). A newline in a one-line
 * field starts a line that can pass for one of ours (a log record, another tool).
 *
 * The rule: text for people shows such characters as visible escapes (`\x1b`, `\r`,
 * `\u202e`); JSON for programs escapes them the JSON way (`\u001b`), so it stays exact for
 * whoever parses it. Clean text (the usual case) is returned as it is, without a copy.
 */

/** Every control character (C0, DEL, C1), the bidirectional controls and the line and paragraph separators. */
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same but for newlines, tabs, and a CR that ends a line (CRLF): text of several lines keeps its lines. */
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;
/**
 * What JSON.stringify leaves raw but a terminal obeys: DEL, C1, the bidirectional controls and
 * the separators. Outside strings JSON holds only ASCII punctuation, digits, letters and
 * whitespace, so these are always inside a string, where `\uXXXX` is the same character.
 */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT_ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function visible(character: string): string {
  const code = character.charCodeAt(0);
  return SHORT_ESCAPES[character] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

function jsonEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `pattern` (global) occurs in `text`; `test` alone would leave lastIndex behind. */
function occurs(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

/**
 * One line for people: every control character, newline and tab included, is shown escaped.
 *
 * @example
 * terminalLine('evil\x1b[2J\nforged'); // 'evil\\x1b[2J\\nforged'
 */
export function terminalLine(text: string): string {
  return occurs(UNSAFE_IN_LINE, text) ? text.replace(UNSAFE_IN_LINE, visible) : text;
}

/**
 * Text of several lines for people (a tool's text result): newlines, tabs and CRLF are kept,
 * every other control character is shown escaped, a lone CR included.
 *
 * @example
 * terminalText('a\nb\r\x1b]52;c;aGk=\x07'); // 'a\nb\\r\\x1b]52;c;aGk=\\x07'
 */
export function terminalText(text: string): string {
  return occurs(UNSAFE_IN_TEXT, text) ? text.replace(UNSAFE_IN_TEXT, visible) : text;
}

/**
 * JSON text (from JSON.stringify) with what it leaves raw and a terminal obeys escaped as
 * `\uXXXX`: it parses to the very same value.
 *
 * @example
 * terminalJson(JSON.stringify({ name: '\u202etxt.exe' })); // '{"name":"\\u202etxt.exe"}'
 */
export function terminalJson(json: string): string {
  return occurs(UNSAFE_IN_JSON, json) ? json.replace(UNSAFE_IN_JSON, jsonEscape) : json;
}
