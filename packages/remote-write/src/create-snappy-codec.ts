import { RemoteWriteError } from "./errors.ts";
import { loadJsSnappy, loadNativeSnappy, type SnappyBinding } from "./load-snappy.ts";

/** Which snappy library a codec runs on: `native` is `snappy` (napi-rs), `js` is `snappyjs`. */
export type SnappyImplementation = "native" | "js";

/** Options of createSnappyCodec. */
export interface CreateSnappyCodecOptions {
  /** `auto` (default): native when its binding loads, else js. `native`: fail when it does not load. */
  readonly implementation?: "auto" | SnappyImplementation | undefined;
}

/** Snappy block compression (the format of remote write 1.0, not the framed stream format). */
export interface SnappyCodec {
  readonly implementation: SnappyImplementation;
  /** Why `auto` did not pick native (the load error), for a log line. */
  readonly fallbackReason?: string;
  compress(data: Uint8Array): Uint8Array;
  /** Throws what the library throws on a corrupt block. */
  uncompress(data: Uint8Array): Uint8Array;
}

/** Internal: the loaders, replaceable in tests to simulate a platform without a native binding. */
export interface SnappyLoaders {
  readonly native: () => SnappyBinding;
  readonly js: () => SnappyBinding;
}

const DEFAULT_LOADERS: SnappyLoaders = { native: loadNativeSnappy, js: loadJsSnappy };

/**
 * A snappy codec on the native `snappy` binding when it loads, else on the pure-JS `snappyjs`
 * (or the one `implementation` forces). Throws RemoteWriteError `SNAPPY_UNAVAILABLE` when the
 * forced one cannot be loaded, `OPTIONS_INVALID` for an unknown implementation.
 */
export function createSnappyCodec(
  options: CreateSnappyCodecOptions = {},
  loaders: SnappyLoaders = DEFAULT_LOADERS,
): SnappyCodec {
  const wanted = options.implementation ?? "auto";
  if (wanted !== "auto" && wanted !== "native" && wanted !== "js") {
    throw new RemoteWriteError(
      "OPTIONS_INVALID",
      `snappy implementation must be "auto", "native" or "js", got ${JSON.stringify(wanted)}`,
    );
  }
  let nativeError: unknown;
  if (wanted !== "js") {
    try {
      return codec("native", loaders.native());
    } catch (error) {
      if (wanted === "native") {
        throw new RemoteWriteError(
          "SNAPPY_UNAVAILABLE",
          `the native snappy binding cannot be loaded: ${describe(error)}`,
          { cause: error },
        );
      }
      nativeError = error;
    }
  }
  let binding: SnappyBinding;
  try {
    binding = loaders.js();
  } catch (error) {
    throw new RemoteWriteError("SNAPPY_UNAVAILABLE", `snappyjs cannot be loaded: ${describe(error)}`, { cause: error });
  }
  return codec(
    "js",
    binding,
    nativeError === undefined ? undefined : `native snappy binding not loaded: ${describe(nativeError)}`,
  );
}

function codec(implementation: SnappyImplementation, binding: SnappyBinding, fallbackReason?: string): SnappyCodec {
  return {
    implementation,
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
    compress: binding.compress,
    uncompress: binding.uncompress,
  };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
