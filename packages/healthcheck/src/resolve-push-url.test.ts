import { describe, expect, it } from "vitest";
import { resolvePushUrl } from "./resolve-push-url.ts";

describe("resolvePushUrl", () => {
  it.each([
    ["http://vm:8428", undefined, "http://vm:8428/api/v1/import/prometheus"],
    ["http://vm:8428/", "", "http://vm:8428/api/v1/import/prometheus"],
    ["http://proxy/vm/", undefined, "http://proxy/vm/api/v1/import/prometheus"],
    ["http://vminsert:8480/", "0:0", "http://vminsert:8480/insert/0:0/prometheus/api/v1/import/prometheus"],
    ["http://vminsert:8480", "7", "http://vminsert:8480/insert/7/prometheus/api/v1/import/prometheus"],
    [
      "http://vminsert:8480",
      "multitenant",
      "http://vminsert:8480/insert/multitenant/prometheus/api/v1/import/prometheus",
    ],
    ["http://vm:8428/api/v1/import/prometheus", undefined, "http://vm:8428/api/v1/import/prometheus"],
    [
      "http://vm:8428/api/v1/import/prometheus?extra_label=a=b",
      undefined,
      "http://vm:8428/api/v1/import/prometheus?extra_label=a=b",
    ],
  ])("%s with tenant %s → %s", (url, tenant, expected) => {
    expect(resolvePushUrl(url, tenant)).toBe(expected);
  });
});
