import { describe, expect, it } from "vitest";
import { basicCredentialForms, scrubSecrets } from "./scrub-secrets.ts";

describe("scrubSecrets", () => {
  it("replaces a secret as is, percent-encoded and JSON/Go-quoted", () => {
    const secret = 'p@ss "word"/1';
    const text = `raw ${secret} url ${encodeURIComponent(secret)} quoted ${JSON.stringify(secret)}`;
    expect(scrubSecrets(text, [secret])).toBe('raw <redacted> url <redacted> quoted "<redacted>"');
  });

  it("replaces the basic-auth forms of a user and password", () => {
    const forms = basicCredentialForms("writer", "pw123");
    const header = `Basic ${Buffer.from("writer:pw123").toString("base64")}`;
    expect(scrubSecrets(`got ${header} for writer:pw123 (pw123)`, forms)).toBe(
      "got Basic <redacted> for <redacted> (<redacted>)",
    );
  });

  it("replaces longer secrets first and ignores empty ones", () => {
    expect(scrubSecrets("token abc and abcdef", ["abc", "abcdef", ""])).toBe("token <redacted> and <redacted>");
  });

  it("keeps the user name of a pair with an empty password readable", () => {
    expect(basicCredentialForms("u", "")).toEqual([
      Buffer.from("u:").toString("base64"),
      Buffer.from("u:").toString("base64").replace(/=+$/, ""),
    ]);
  });
});
