import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TenancyError } from "./errors.ts";
import { formatTenant } from "./format-tenant.ts";
import { parseTenantId } from "./parse-tenant-id.ts";
import { safeParseTenantId } from "./safe-parse-tenant-id.ts";

describe("parseTenantId", () => {
  it.each([
    ["0", { kind: "account", accountId: 0, projectId: 0 }],
    ["5", { kind: "account", accountId: 5, projectId: 0 }],
    ["5:7", { kind: "account", accountId: 5, projectId: 7 }],
    ["0:0", { kind: "account", accountId: 0, projectId: 0 }],
    ["4294967295:4294967295", { kind: "account", accountId: 4294967295, projectId: 4294967295 }],
    ["007:08", { kind: "account", accountId: 7, projectId: 8 }],
    ["multitenant", { kind: "multitenant" }],
  ])("reads %j", (text, tenant) => {
    expect(parseTenantId(text)).toEqual(tenant);
    expect(safeParseTenantId(text)).toEqual({ success: true, output: tenant });
  });

  it("takes an empty or missing tenant_id as no tenant (single node)", () => {
    expect(parseTenantId("")).toBeUndefined();
    expect(parseTenantId(undefined)).toBeUndefined();
    expect(safeParseTenantId("")).toEqual({ success: true, output: undefined });
  });

  it.each([
    "-1",
    "+1",
    "1:",
    ":1",
    "1:2:3",
    "a",
    "1.0",
    "0x10",
    "1e3",
    " 1",
    "1 ",
    "1: 2",
    "4294967296",
    "1:4294967296",
    "99999999999999999999",
    "MULTITENANT",
    "Multitenant",
    "multi",
    "multitenant:0",
    "0:multitenant",
  ])("rejects %j with TENANT_INVALID naming the allowed forms", (text) => {
    const result = safeParseTenantId(text);
    expect(result.success).toBe(false);
    expect(() => parseTenantId(text)).toThrow(TenancyError);
    expect(() => parseTenantId(text)).toThrow(
      expect.objectContaining({
        code: "TENANT_INVALID",
        input: text,
        message: expect.stringMatching(
          /^\[tenancy\] invalid tenant_id ".*": .*"accountID" .*"accountID:projectID" .*4294967295.*"multitenant"/,
        ),
      }),
    );
  });

  it("says when an ID is too large for uint32", () => {
    expect(() => parseTenantId("4294967296:0")).toThrow(
      '[tenancy] invalid tenant_id "4294967296:0": IDs must be at most 4294967295 (uint32)',
    );
  });

  it("rejects a non-string (e.g. a YAML number passed through)", () => {
    expect(safeParseTenantId(5 as unknown as string)).toEqual({
      success: false,
      issues: [{ message: expect.stringContaining("must be a string"), input: 5 }],
    });
  });

  it("round-trips through formatTenant for any uint32 pair", () => {
    fc.assert(
      fc.property(fc.nat({ max: 4294967295 }), fc.nat({ max: 4294967295 }), (accountId, projectId) => {
        const tenant = parseTenantId(`${accountId}:${projectId}`);
        expect(tenant).toEqual({ kind: "account", accountId, projectId });
        expect(formatTenant(tenant ?? { kind: "multitenant" })).toBe(`${accountId}:${projectId}`);
      }),
    );
  });
});

describe("formatTenant", () => {
  it("prints A:P or multitenant", () => {
    expect(formatTenant({ kind: "account", accountId: 5, projectId: 7 })).toBe("5:7");
    expect(formatTenant({ kind: "account", accountId: 5, projectId: 0 })).toBe("5:0");
    expect(formatTenant({ kind: "multitenant" })).toBe("multitenant");
  });
});
