import { describe, expect, it } from "vitest";
import { HealthcheckError } from "./errors.ts";
import { resolveHealthUrl } from "./resolve-health-url.ts";

describe("resolveHealthUrl", () => {
  it.each([
    ["http://vm:8428", undefined, "http://vm:8428/health"],
    ["http://vm:8428/", "health", "http://vm:8428/health"],
    ["http://proxy/vm", "health", "http://proxy/vm/health"],
    ["http://proxy/vm/", "health", "http://proxy/vm/health"],
    ["http://proxy/vm/", "/health", "http://proxy/health"],
    ["http://proxy/vm", "../health", "http://proxy/health"],
    ["http://proxy/vm", "status/health", "http://proxy/vm/status/health"],
    ["http://proxy/vm", "http://other:9/y", "http://other:9/y"],
    ["https://proxy/vm?x=1#f", "health", "https://proxy/vm/health"],
    ["http://proxy/vm", "", "http://proxy/vm/health"],
    ["http://proxy/vm", "//other/health", "http://other/health"],
  ])("%s + %s → %s", (base, path, expected) => {
    expect(resolveHealthUrl(base, path)).toBe(expected);
  });

  it("keeps user info for the request", () => {
    expect(resolveHealthUrl("http://u:p@proxy/vm", "health")).toBe("http://u:p@proxy/vm/health");
  });

  it("rejects what is not an http(s) URL, without echoing credentials", () => {
    expect(() => resolveHealthUrl("not a url")).toThrow(HealthcheckError);
    expect(() => resolveHealthUrl("ftp://u:secret@h/")).toThrow(/must be http/);
    try {
      resolveHealthUrl("http://u:secret@[bad/");
      expect.unreachable();
    } catch (error) {
      expect((error as HealthcheckError).code).toBe("HEALTHCHECK_INVALID_URL");
      expect((error as Error).message).not.toContain("secret");
      expect((error as Error).message).toMatch(/^\[healthcheck\] /);
    }
    expect(() => resolveHealthUrl("http://vm/", "mailto:x@y")).toThrow(/health_path must resolve/);
  });
});
