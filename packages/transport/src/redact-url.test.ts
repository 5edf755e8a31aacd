import { describe, expect, it } from "vitest";
import { redactUrl } from "./redact-url.ts";

describe("redactUrl", () => {
  it("replaces userinfo", () => {
    expect(redactUrl("http://user:pa55@vm:8428/api/v1/import")).toBe("http://<redacted>@vm:8428/api/v1/import");
    expect(redactUrl("https://token@vm/")).toBe("https://<redacted>@vm/");
    expect(redactUrl("http://us%40er:p%3Ass@vm/x")).toBe("http://<redacted>@vm/x");
    expect(redactUrl("http://a:b@c@vm/x")).toBe("http://<redacted>@vm/x");
  });

  it("redacts credential-like query parameters and keeps the others", () => {
    expect(redactUrl("http://vm/internal/force_flush?authKey=s3cret")).toBe("http://vm/internal/force_flush?authKey=<redacted>");
    expect(redactUrl("http://vm/x?extra_label=a%3Db&token=t&access_token=u&api_key=k&password=p#frag")).toBe(
      "http://vm/x?extra_label=a%3Db&token=<redacted>&access_token=<redacted>&api_key=<redacted>&password=<redacted>#frag",
    );
    expect(redactUrl("http://vm/x?match[]=up&flag")).toBe("http://vm/x?match[]=up&flag");
  });

  it("leaves URLs without credentials alone", () => {
    for (const url of ["http://127.0.0.1:8428", "https://vm.example.com/insert/0:0/prometheus/api/v1/import", "http://[::1]:8428/health"]) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it("redacts what looks like userinfo in text that is not a valid URL", () => {
    expect(redactUrl("http://user:pa ss@host name/")).toBe("http://<redacted>@host name/");
    expect(redactUrl("not a url")).toBe("not a url");
  });
});
