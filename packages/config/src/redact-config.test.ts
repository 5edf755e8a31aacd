import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse-config.ts";
import { redactConfig } from "./redact-config.ts";

describe("redactConfig", () => {
  const text = `writer:
  datasource_url: http://writer-user:writer-pass@vm:8428/
  user: alice
  password: alice-password
  health_path: http://health-user:health-pass@vm:8428/health
  metric_format:
    __name__: $VAR
    for: $QUERY_KEY
    source: http://label-user:label-pass@x/
monitoring:
  push:
    url: https://push-user:push-pass@vm:8428?authKey=push-auth-key
    bearer_token: push-bearer-token
`;

  it("leaves no password, token or URL userinfo in the JSON", () => {
    const config = parseConfig(text.replace("?authKey=push-auth-key", ""), { checkFiles: false });
    const json = JSON.stringify(redactConfig(config));
    for (const secret of [
      "writer-pass",
      "alice-password",
      "health-pass",
      "label-pass",
      "push-pass",
      "push-bearer-token",
    ]) {
      expect(json).not.toContain(secret);
    }
    expect(json).toContain('"password":"<redacted>"');
    expect(json).toContain('"bearerToken":"<redacted>"');
    expect(json).toContain("http://<redacted>@vm:8428");
    expect(json).toContain('"user":"alice"');
  });

  it("is a deep copy: the original keeps its values", () => {
    const config = parseConfig(text.replace("?authKey=push-auth-key", ""), { checkFiles: false });
    const redacted = redactConfig(config);
    expect(redacted).not.toBe(config);
    expect(config.writer.password).toBe("alice-password");
    expect(redacted.writer.password).toBe("<redacted>");
    expect(redacted.writer.bearerTokenFile).toBeUndefined();
  });

  it("keeps token file paths (they are not secrets) and works on any object", () => {
    expect(redactConfig({ bearerTokenFile: "/run/token", bearer_token: "t", nested: [{ password: "p" }] })).toEqual({
      bearerTokenFile: "/run/token",
      bearer_token: "<redacted>",
      nested: [{ password: "<redacted>" }],
    });
  });
});
