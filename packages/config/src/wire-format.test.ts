import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse-config.ts";
import { expectIssues } from "./testing/expect-issue.ts";

const writer = (line: string) => `writer:\n  datasource_url: http://vm:8428\n${line}`;

describe("writer.wire_format", () => {
  it("defaults to auto", () => {
    expect(parseConfig(writer(""), { checkFiles: false }).writer.wireFormat).toBe("auto");
  });

  it("takes auto and json without warnings", () => {
    for (const value of ["auto", "json"] as const) {
      const config = parseConfig(writer(`  wire_format: ${value}\n`), { checkFiles: false });
      expect(config.writer.wireFormat).toBe(value);
      expect(config.warnings).toEqual([]);
    }
  });

  it("refuses anything else at its line and column, naming the allowed values", () => {
    expectIssues(writer("  wire_format: protobuf\n"), [
      { path: "writer.wire_format", needle: "protobuf", message: /not a wire format; allowed: "auto", "json"/ },
    ]);
  });
});
