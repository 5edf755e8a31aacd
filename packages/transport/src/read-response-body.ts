/**
 * Read a response body as UTF-8 text, at most `limitBytes` (the rest is discarded and the stream
 * cancelled, so an error page cannot fill the memory).
 */
export async function readResponseBody(stream: ReadableStream<Uint8Array> | null | undefined, limitBytes = Infinity): Promise<string> {
  if (!stream) return "";
  const reader = stream.getReader();
  const decoder = new TextDecoder("utf-8");
  let text = "";
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = limitBytes - read;
      const part = value.byteLength > room ? value.subarray(0, room) : value;
      read += part.byteLength;
      text += decoder.decode(part, { stream: true });
      if (read >= limitBytes) {
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
    return text + decoder.decode();
  } finally {
    reader.releaseLock();
  }
}
