/**
 * Tool search: instead of thousands of definitions in the model's context, the gateway offers
 * `search_tools` (ranked by name and description) and `call_tool`.
 *
 * Ranking: the query and each tool are split into words (snake_case, kebab-case, camelCase
 * and punctuation all separate words). Every query word scores a tool by where it appears,
 * weighted by how rare the word is among all tools (inverse document frequency): in the name
 * as a whole word (most), as part of a name word, or in the description. A query that
 * appears whole in the name scores most of all. The index is built once per list change.
 */
import type { Tool } from '../protocol/types.ts';

/** Splits text into lowercase words: `createIssue`, `create_issue`, `create-issue` → create, issue. */
export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

interface Indexed {
  tool: Tool;
  name: string;
  nameWords: Set<string>;
  descriptionWords: Set<string>;
  /** The length of its hit's JSON, but for the score: measured once, at indexing. */
  size: number;
}

export interface SearchHit {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Tool['inputSchema'];
  score: number;
}

const NAME_WORD = 3;
const NAME_PART = 1.5;
const DESCRIPTION_WORD = 1;
const WHOLE_QUERY_IN_NAME = 4;

/**
 * A search reads at most this many distinct words of its query, and a query of `search_tools`
 * has at most MAX_QUERY_LENGTH characters. Every word is looked for in every tool: a query of
 * 100,000 words against 1,000 tools held the event loop for 4.7 s, every other caller with it.
 */
export const MAX_QUERY_WORDS = 32;
export const MAX_QUERY_LENGTH = 1000;

/**
 * Why `search_tools` refuses a query (longer than {@link MAX_QUERY_LENGTH} characters, or of
 * more than {@link MAX_QUERY_WORDS} distinct words), or undefined. Said to the caller rather
 * than words silently left unread: a model can then shorten its query knowingly.
 *
 * @example
 * queryProblem('create issue'); // undefined
 */
export function queryProblem(query: string): string | undefined {
  if (query.length > MAX_QUERY_LENGTH) return `A query has at most ${MAX_QUERY_LENGTH} characters; this one has ${query.length}. Use a few words that say what the tool does.`;
  const count = new Set(words(query)).size;
  if (count > MAX_QUERY_WORDS) return `A query has at most ${MAX_QUERY_WORDS} distinct words; this one has ${count}. Keep the words that say what the tool does.`;
  return undefined;
}

/**
 * A hit's description is cut past this many characters, and the hits of one search stop
 * before their JSON passes MAX_ANSWER_CHARS (the tools left out are counted): the count of
 * hits was bounded (50), their size was not, and an upstream's tools of megabytes of
 * description or schema made every search answer as large as its whole listing.
 */
export const MAX_HIT_DESCRIPTION = 2000;
export const MAX_ANSWER_CHARS = 1024 * 1024;

/** What a search found: its best hits, and how many more matches did not fit the answer. */
export interface SearchAnswer {
  tools: SearchHit[];
  omitted: number;
}

function hitOf(tool: Tool): Omit<SearchHit, 'score'> {
  const hit: Omit<SearchHit, 'score'> = { name: tool.name, inputSchema: tool.inputSchema };
  if (tool.title !== undefined) hit.title = tool.title;
  const { description } = tool;
  if (description !== undefined) hit.description = description.length > MAX_HIT_DESCRIPTION ? `${description.slice(0, MAX_HIT_DESCRIPTION)}…` : description;
  return hit;
}

export class ToolIndex {
  readonly #entries: Indexed[];
  /** In how many tools each word appears (name or description). */
  readonly #frequency: Map<string, number>;

  constructor(tools: readonly Tool[]) {
    this.#entries = tools.map((tool) => ({
      tool,
      name: tool.name.toLowerCase(),
      nameWords: new Set(words(tool.name)),
      descriptionWords: new Set(words(`${tool.title ?? ''} ${tool.description ?? ''}`)),
      size: JSON.stringify(hitOf(tool)).length,
    }));
    this.#frequency = new Map();
    for (const entry of this.#entries) {
      for (const word of new Set([...entry.nameWords, ...entry.descriptionWords])) this.#frequency.set(word, (this.#frequency.get(word) ?? 0) + 1);
    }
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * The best `limit` matches of `query` (its first {@link MAX_QUERY_WORDS} words, within its
   * first {@link MAX_QUERY_LENGTH} characters), best first; tools matching nothing are left out.
   */
  search(query: string, limit: number): SearchHit[] {
    return this.find(query, limit).tools;
  }

  /** {@link search}, the hits bounded to {@link MAX_ANSWER_CHARS} of JSON, with the count of those left out. */
  find(query: string, limit: number): SearchAnswer {
    const read = query.slice(0, MAX_QUERY_LENGTH);
    const terms = [...new Set(words(read))].slice(0, MAX_QUERY_WORDS);
    const whole = read.trim().toLowerCase();
    const total = this.#entries.length;
    const scored: Array<{ entry: Indexed; score: number }> = [];
    for (const entry of this.#entries) {
      let score = 0;
      for (const term of terms) {
        const rarity = Math.log(1 + total / (this.#frequency.get(term) ?? 1));
        if (entry.nameWords.has(term)) score += NAME_WORD * rarity;
        else if (term.length >= 3 && entry.name.includes(term)) score += NAME_PART * rarity;
        if (entry.descriptionWords.has(term)) score += DESCRIPTION_WORD * rarity;
      }
      if (whole.length >= 3 && entry.name.includes(whole)) score += WHOLE_QUERY_IN_NAME;
      if (score > 0) scored.push({ entry, score });
    }
    scored.sort((a, b) => b.score - a.score || a.entry.name.localeCompare(b.entry.name));
    const best = scored.slice(0, limit);
    const tools: SearchHit[] = [];
    let chars = 2;
    for (const { entry, score } of best) {
      // The score and a comma: a few characters more than measured.
      chars += entry.size + 24;
      if (chars > MAX_ANSWER_CHARS) break;
      tools.push({ ...hitOf(entry.tool), score: Math.round(score * 100) / 100 });
    }
    return { tools, omitted: best.length - tools.length };
  }
}
