import { describe, expect, it } from "vitest";
import { createSnappyCodec } from "./create-snappy-codec.ts";
import { decodeWriteRequest } from "./decode-write-request.ts";
import { encodeWriteRequest } from "./encode-write-request.ts";
import { RemoteWriteError } from "./errors.ts";
import { loadJsSnappy, loadNativeSnappy } from "./load-snappy.ts";
import { resolveSnappyImplementation } from "./resolve-snappy-implementation.ts";

// On a platform without a prebuilt binding the native cases are skipped (the fallback ones run).
const nativeLoads = (() => {
  try {
    loadNativeSnappy();
    return true;
  } catch {
    return false;
  }
})();
const js = createSnappyCodec({ implementation: "js" });
const native = nativeLoads ? createSnappyCodec({ implementation: "native" }) : js;
const text = Buffer.from(`${"remote write ".repeat(500)}😀 unicode and some entropy: 1 2 3 5 8 13 21 34 55 89`, "utf8");

describe("createSnappyCodec", () => {
  it("uses the native binding by default when it loads, else snappyjs", () => {
    expect(createSnappyCodec().implementation).toBe(nativeLoads ? "native" : "js");
    expect(resolveSnappyImplementation().implementation).toBe(nativeLoads ? "native" : "js");
    expect(js.implementation).toBe("js");
  });

  it.skipIf(!nativeLoads)("loads the native binding on this platform (linux x64 has a prebuilt one)", () => {
    expect(native.implementation).toBe("native");
    expect(resolveSnappyImplementation()).toEqual({ implementation: "native" });
  });

  it("makes snappy blocks that the other implementation reads", () => {
    for (const [from, to] of [
      [native, js],
      [js, native],
      [native, native],
      [js, js],
    ] as const) {
      const compressed = from.compress(text);
      expect(compressed.byteLength).toBeLessThan(text.byteLength / 5);
      expect(Buffer.from(to.uncompress(compressed)).equals(text)).toBe(true);
    }
  });

  it("reads the block format of the snappy spec: a preamble, a literal and a copy", () => {
    // "abcabcabc": length 9, literal "abc" (tag (3-1)<<2), copy-1 of length 6 at offset 3.
    const block = Buffer.from([0x09, 0x08, 0x61, 0x62, 0x63, ((6 - 4) << 2) | 0x01, 0x03]);
    expect(Buffer.from(native.uncompress(block)).toString()).toBe("abcabcabc");
    expect(Buffer.from(js.uncompress(block)).toString()).toBe("abcabcabc");
    expect(Buffer.from(native.compress(new Uint8Array(0)))).toEqual(Buffer.from([0]));
    expect(Buffer.from(js.compress(new Uint8Array(0)))).toEqual(Buffer.from([0]));
  });

  it("gives the same request with either implementation", () => {
    const series = [{ labels: { __name__: "m", b: "2", a: "1" }, timestamps: [3, 1, 2], values: [30, 10, 20] }];
    const viaNative = decodeWriteRequest(encodeWriteRequest(series, { snappy: native }), { snappy: js });
    const viaJs = decodeWriteRequest(encodeWriteRequest(series, { snappy: js }), { snappy: native });
    expect(viaJs).toEqual(viaNative);
    expect(viaJs.timeseries[0]?.samples.map((s) => s.value)).toEqual([10, 20, 30]);
  });

  it("falls back to snappyjs when the native binding does not load, and says why", () => {
    const failing = () => {
      throw new Error("Cannot find native binding. npm has a bug related to optional dependencies\nmore lines");
    };
    const codec = createSnappyCodec({}, { native: failing, js: loadJsSnappy });
    expect(codec.implementation).toBe("js");
    expect(codec.fallbackReason).toBe(
      "native snappy binding not loaded: Cannot find native binding. npm has a bug related to optional dependencies",
    );
    expect(Buffer.from(codec.uncompress(codec.compress(text))).equals(text)).toBe(true);
  });

  it("fails with SNAPPY_UNAVAILABLE when a forced implementation does not load", () => {
    const failing = () => {
      throw new Error("no binding");
    };
    expect(() => createSnappyCodec({ implementation: "native" }, { native: failing, js: loadJsSnappy })).toThrow(
      expect.objectContaining({
        code: "SNAPPY_UNAVAILABLE",
        message: "[remote-write] the native snappy binding cannot be loaded: no binding",
      }),
    );
    expect(() => createSnappyCodec({}, { native: failing, js: failing })).toThrow(RemoteWriteError);
    expect(createSnappyCodec({ implementation: "js" }, { native: failing, js: loadJsSnappy }).implementation).toBe(
      "js",
    );
    if (nativeLoads)
      expect(
        createSnappyCodec({ implementation: "native" }, { native: loadNativeSnappy, js: failing }).implementation,
      ).toBe("native");
  });

  it("refuses an unknown implementation", () => {
    expect(() => createSnappyCodec({ implementation: "zstd" as "js" })).toThrow(
      expect.objectContaining({
        code: "OPTIONS_INVALID",
        message: '[remote-write] snappy implementation must be "auto", "native" or "js", got "zstd"',
      }),
    );
  });
});
