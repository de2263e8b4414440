/**
 * A response body read as text up to a bound, for answers from a server that may be anyone's
 * (an MCP server, an authorization server, a token introspection endpoint). A declared length
 * past the bound is refused unread; an undeclared body is read as it comes and refused once it
 * passes the bound, the rest cancelled: a huge or endless body never grows the reader's memory
 * past the bound. A compressed body (`Content-Encoding`) is counted as it inflates: its declared
 * length is that of the compressed bytes.
 */

/** Stateless when not streaming: one for every body. */
const DECODER = new TextDecoder();

/**
 * The body as text (a leading byte order mark dropped, as `Response.text()` does). Past
 * `limit` bytes, throws what `tooLarge` makes of the declared length (undefined when the body
 * declared none and grew past the bound as it came) and the limit.
 *
 * @example
 * const text = await boundedText(response, 65536, () => new Error('the answer is too large'));
 */
export async function boundedText(response: Response, limit: number, tooLarge: (declared: number | undefined, limit: number) => Error): Promise<string> {
  const declared = response.headers.get('content-length');
  const length = Number(declared);
  if (length > limit) {
    await response.body?.cancel();
    throw tooLarge(length, limit);
  }
  // A body whose length the server declared cannot grow past it: one read, no stream. Unless
  // it is compressed: fetch inflates it, and a few KiB of gzip inflate to gigabytes.
  if (declared !== null && length >= 0 && response.headers.get('content-encoding') === null) return response.text();
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop cancels the rest of the body.
    if (size > limit) throw tooLarge(undefined, limit);
    chunks.push(chunk);
  }
  return DECODER.decode(Buffer.concat(chunks, size));
}
