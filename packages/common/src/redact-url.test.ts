import { describe, expect, it } from "vitest";
import { redactUrl } from "./redact-url.ts";

describe("redactUrl", () => {
  it("replaces userinfo", () => {
    expect(redactUrl("http://user:pa55@vm:8428/api/v1/import")).toBe("http://<redacted>@vm:8428/api/v1/import");
    expect(redactUrl("https://token@vm/")).toBe("https://<redacted>@vm/");
    expect(redactUrl("http://us%40er:p%3Ass@vm/x")).toBe("http://<redacted>@vm/x");
    expect(redactUrl("http://a:b@c@vm/x")).toBe("http://<redacted>@vm/x");
    expect(redactUrl("ftp://a:b@c:d@host/p")).toBe("ftp://<redacted>@host/p");
  });

  it("redacts credential-like query parameters and keeps the others", () => {
    expect(redactUrl("http://vm/internal/force_flush?authKey=s3cret")).toBe(
      "http://vm/internal/force_flush?authKey=<redacted>",
    );
    expect(redactUrl("http://host/?authKey=abc&x=1")).toBe("http://host/?authKey=<redacted>&x=1");
    expect(redactUrl("http://host/?access_token=abc#frag")).toBe("http://host/?access_token=<redacted>#frag");
    expect(redactUrl("http://vm/x?extra_label=a%3Db&token=t&access_token=u&api_key=k&password=p#frag")).toBe(
      "http://vm/x?extra_label=a%3Db&token=<redacted>&access_token=<redacted>&api_key=<redacted>&password=<redacted>#frag",
    );
    expect(redactUrl("http://vm/x?match[]=up&flag")).toBe("http://vm/x?match[]=up&flag");
  });

  it("redacts names that hold a credential word, and whole-name credentials alike", () => {
    expect(redactUrl("http://vm/x?api_token=a&db_password=b&X-Secret-Value=c&my%20apikey=d&extra_label=e")).toBe(
      "http://vm/x?api_token=<redacted>&db_password=<redacted>&X-Secret-Value=<redacted>&my%20apikey=<redacted>&extra_label=e",
    );
    expect(redactUrl("http://vm/x?key=a&sig=b&X-Amz-Signature=c&pwd=d&keyword=e")).toBe(
      "http://vm/x?key=<redacted>&sig=<redacted>&X-Amz-Signature=<redacted>&pwd=<redacted>&keyword=e",
    );
  });

  it("leaves URLs without credentials alone", () => {
    for (const url of [
      "http://127.0.0.1:8428",
      "http://host:8428/vm",
      "https://vm.example.com/insert/0:0/prometheus/api/v1/import",
      "http://[::1]:8428/health",
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it("redacts what looks like userinfo in text that is not a valid URL", () => {
    expect(redactUrl("http://user:pa ss@host name/")).toBe("http://<redacted>@host name/");
    expect(redactUrl("not a url")).toBe("not a url");
  });
});
