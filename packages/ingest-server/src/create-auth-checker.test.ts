import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createAuthChecker } from "./create-auth-checker.ts";
import { createTokenFileSource } from "./create-token-file-source.ts";

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

describe("createAuthChecker", () => {
  it("is off without credentials", () => {
    const checker = createAuthChecker({});
    expect(checker.enabled).toBe(false);
    expect(checker.challenges).toEqual([]);
  });

  it("tells a missing header from a wrong one; schemes are case-insensitive", async () => {
    const checker = createAuthChecker({ bearerToken: "t0k", users: [{ user: "svc", password: "p:w" }] });
    expect(checker.challenges).toEqual([
      'Bearer realm="anomaly-writer"',
      'Basic realm="anomaly-writer", charset="UTF-8"',
    ]);
    expect(await checker.check(undefined)).toEqual({ ok: false, reason: "missing" });
    expect(await checker.check("  ")).toEqual({ ok: false, reason: "missing" });
    expect(await checker.check("Bearer")).toEqual({ ok: false, reason: "invalid" });
    expect(await checker.check("bearer t0k")).toEqual({ ok: true });
    expect(await checker.check("Bearer t0k ")).toEqual({ ok: true });
    expect(await checker.check("Bearer t0")).toEqual({ ok: false, reason: "invalid" });
    expect(await checker.check("Token t0k")).toEqual({ ok: false, reason: "invalid" });
    expect(await checker.check(basic("svc:p:w"))).toEqual({ ok: true, user: "svc" });
    expect(await checker.check(basic("svc:p"))).toEqual({ ok: false, reason: "invalid" });
    expect(await checker.check(basic("svc"))).toEqual({ ok: false, reason: "invalid" });
    expect(await checker.check("Basic %%%not-base64")).toEqual({ ok: false, reason: "invalid" });
  });

  it("takes tokens from a file, one per line, and none from an empty file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "auth-checker-")), "tokens");
    writeFileSync(file, "one\ntwo\n");
    const problems: string[] = [];
    const checker = createAuthChecker({
      tokenFile: createTokenFileSource(file, { onProblem: (m) => problems.push(m) }),
    });
    expect(await checker.check("Bearer two")).toEqual({ ok: true });
    writeFileSync(file, "   \n");
    expect(await checker.check("Bearer two")).toEqual({ ok: false, reason: "invalid" });
    expect(await checker.check("Bearer one")).toEqual({ ok: false, reason: "invalid" });
    expect(problems).toEqual([`bearer_token_file ${file}: is empty; bearer tokens are refused until it is fixed`]);
  });
});
