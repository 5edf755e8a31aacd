import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "./errors.ts";
import { parseConfig } from "./parse-config.ts";
import { expectIssues } from "./testing/expect-issue.ts";
import { positionOf } from "./testing/position-of.ts";

const CONFIG = "/etc/anomaly-writer/vmanomaly.yml";
const WRITER = "writer:\n  datasource_url: http://vm:8428\n";
const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, { checkFiles: false, env, path: CONFIG });
const TRIMMED =
  "has surrounding whitespace (spaces, tabs or line breaks); it was removed, since a token never holds any";

describe("configured tokens", () => {
  it("surrounding whitespace is removed from bearer_token in writer, monitoring.push and ingest_server, with a warning at the value", () => {
    const text =
      `writer:\n  datasource_url: http://vm:8428\n  bearer_token: "  tok-Writer-1 "\n` +
      `monitoring:\n  push:\n    url: http://vm:8428\n    bearer_token: "\\ttok-Push-2"\n` +
      `ingest_server:\n  bearer_token: "tok-Ingest-3\\n"\n`;
    const config = parse(text);
    expect([config.writer.bearerToken, config.monitoring.push?.bearerToken, config.ingestServer.bearerToken]).toEqual([
      "tok-Writer-1",
      "tok-Push-2",
      "tok-Ingest-3",
    ]);
    expect(config.warnings.map(formatConfigIssue)).toEqual([
      `${CONFIG}:${positionOf(text, '"  tok-Writer-1 "').at} writer.bearer_token: ${TRIMMED}`,
      `${CONFIG}:${positionOf(text, '"\\ttok-Push-2"').at} monitoring.push.bearer_token: ${TRIMMED}`,
      `${CONFIG}:${positionOf(text, '"tok-Ingest-3\\n"').at} ingest_server.bearer_token: ${TRIMMED}`,
    ]);
    expect(config.warnings.every((w) => w.kind === "surrounding-whitespace")).toBe(true);
    expect(JSON.stringify(config.warnings)).not.toMatch(/tok-/);
  });

  it("a token from %{ENV} with a trailing line break (a secret read from a file) is trimmed, at the placeholder", () => {
    const text = `${WRITER}ingest_server:\n  bearer_token: "%{INGEST_TOKEN}"\n`;
    const config = parse(text, { INGEST_TOKEN: "tok-From-Env-9 " });
    expect(config.ingestServer.bearerToken).toBe("tok-From-Env-9");
    expect(config.warnings).toEqual([
      {
        kind: "surrounding-whitespace",
        path: "ingest_server.bearer_token",
        file: CONFIG,
        line: positionOf(text, '"%{INGEST_TOKEN}"').line,
        column: positionOf(text, '"%{INGEST_TOKEN}"').column,
        message: TRIMMED,
      },
    ]);
  });

  it("a token of whitespace only is an error, not an empty token", () => {
    const text = `${WRITER}  bearer_token: "   "\ningest_server:\n  bearer_token: "\\t"\n`;
    expectIssues(text, [
      {
        path: "writer.bearer_token",
        needle: '"   "',
        message: "holds only whitespace: set a token, or leave the key out",
      },
      { path: "ingest_server.bearer_token", needle: '"\\t"', message: "holds only whitespace" },
    ]);
  });

  it("a token without surrounding whitespace gives no warning", () => {
    expect(parse(`${WRITER}  bearer_token: tok-Plain\ningest_server:\n  bearer_token: "tok two"\n`).warnings).toEqual(
      [],
    );
  });
});

describe("configured passwords", () => {
  it("surrounding whitespace is kept (a password may hold spaces), with a warning naming the key, never the password", () => {
    const text =
      `writer:\n  datasource_url: http://vm:8428\n  user: w\n  password: "pw-Writer-1 "\n` +
      `ingest_server:\n  users:\n    - user: svc\n      password: " pw-Ingest-2"\n    - user: ok\n      password: pw-Fine\n`;
    const config = parse(text);
    expect(config.writer.password).toBe("pw-Writer-1 ");
    expect(config.ingestServer.users).toEqual([
      { user: "svc", password: " pw-Ingest-2" },
      { user: "ok", password: "pw-Fine" },
    ]);
    expect(config.warnings.map((w) => `${w.kind} ${w.path} ${w.line}:${w.column}`)).toEqual([
      `surrounding-whitespace writer.password ${positionOf(text, '"pw-Writer-1 "').at}`,
      `surrounding-whitespace ingest_server.users.0.password ${positionOf(text, '" pw-Ingest-2"').at}`,
    ]);
    expect(config.warnings[0]?.message).toContain("it is kept as written");
    expect(JSON.stringify(config.warnings)).not.toMatch(/pw-/);
  });
});
