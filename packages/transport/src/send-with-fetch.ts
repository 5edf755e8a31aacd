import type { $Fetch, FetchOptions } from "ofetch";
import { type Dispatcher, Headers as UndiciHeaders, fetch as undiciFetch } from "undici";
import { readResponseBody } from "./read-response-body.ts";
import type { AttemptRequest, AttemptResponse } from "./send-with-request.ts";

// undici's fetch, so that it takes undici's Agent (the global fetch of Node 20 bundles another undici).
// The retry policy is the transport's: ofetch retries nothing and hands every status back.
// Loaded on the first GET: a `write` that only POSTs never pays for loading ofetch.
let fetcher: Promise<$Fetch> | undefined;
const loadFetch = (): Promise<$Fetch> =>
  (fetcher ??= import("ofetch").then(({ createFetch }) =>
    createFetch({
      fetch: undiciFetch as unknown as typeof globalThis.fetch,
      Headers: UndiciHeaders as unknown as typeof globalThis.Headers,
    }),
  ));

/**
 * Send one attempt with ofetch on undici's `fetch` through the dispatcher (GET requests: health
 * probes, exports), redirects not followed, the body read like {@link sendWithRequest}'s.
 */
export async function sendWithFetch(dispatcher: Dispatcher, request: AttemptRequest): Promise<AttemptResponse> {
  const fetchOptions = {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.body !== undefined && !(request.body instanceof Uint8Array) ? { duplex: "half" } : {}),
    dispatcher,
    signal: request.signal,
    retry: false,
    ignoreResponseError: true,
    responseType: "stream",
    redirect: "manual",
  } as unknown as FetchOptions<"stream">;
  const $fetch = await loadFetch();
  const response = await $fetch.raw(request.href, fetchOptions);
  const ok = response.status >= 200 && response.status <= 299;
  const body = await readResponseBody(
    response.body as AsyncIterable<Uint8Array> | null,
    ok ? Infinity : request.errorBodyLimit,
  );
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body };
}
