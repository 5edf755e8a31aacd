/**
 * Read a response body as UTF-8 text, at most `limitBytes`, so that an error page cannot fill the
 * memory. Reading stops there: what the source does with the rest is up to its iterator (a WHATWG
 * stream is cancelled; a Node stream read through `iterator({ destroyOnReturn: false })` is left
 * for the caller to drain or destroy).
 */
export async function readResponseBody(
  source: AsyncIterable<Uint8Array> | null | undefined,
  limitBytes = Infinity,
): Promise<string> {
  if (!source) return "";
  const decoder = new TextDecoder("utf-8");
  let text = "";
  let read = 0;
  for await (const value of source) {
    const room = limitBytes - read;
    const part = value.byteLength > room ? value.subarray(0, room) : value;
    read += part.byteLength;
    text += decoder.decode(part, { stream: true });
    if (read >= limitBytes) break;
  }
  return text + decoder.decode();
}
