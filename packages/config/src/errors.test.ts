import { describe, expect, it } from "vitest";
import { ConfigError, formatConfigIssue } from "./errors.ts";

describe("formatConfigIssue", () => {
  it.each([
    [
      { path: "writer.tenant_id", message: "is bad", line: 3, column: 14, file: "/c.yml" },
      "/c.yml:3:14 writer.tenant_id: is bad",
    ],
    [{ path: "", message: "YAML syntax error", line: 2, column: 1, file: "/c.yml" }, "/c.yml:2:1: YAML syntax error"],
    [{ path: "", message: "the config file does not exist", file: "/c.yml" }, "/c.yml: the config file does not exist"],
    [{ path: "writer.tenant_id", message: "is bad", line: 3, column: 14 }, "writer.tenant_id (line 3:14): is bad"],
    [
      {
        path: "writer.datasource_url",
        message: "is required",
        file: "/c.yml",
        missingIn: { path: "writer", line: 3, column: 1 },
      },
      "/c.yml writer.datasource_url (missing; in writer at 3:1): is required",
    ],
    [
      {
        path: "ingest_server.users.0.password",
        message: "is required",
        missingIn: { path: "ingest_server.users.0", line: 5, column: 7 },
      },
      "ingest_server.users.0.password (missing; in ingest_server.users.0 at 5:7): is required",
    ],
    [
      { path: "writer", message: "is required", file: "/c.yml", missingIn: { path: "" } },
      "/c.yml writer (missing; at the top level): is required",
    ],
  ])("%j", (issue, line) => {
    expect(formatConfigIssue(issue)).toBe(line);
  });

  it("ConfigError lists every issue in that form", () => {
    const error = new ConfigError([
      { path: "a", message: "x", line: 1, column: 1, file: "/c.yml" },
      { path: "b.c", message: "y", file: "/c.yml", missingIn: { path: "b", line: 2, column: 1 } },
    ]);
    expect(error.message).toBe(
      "[config] 2 problems in the config:\n/c.yml:1:1 a: x\n/c.yml b.c (missing; in b at 2:1): y",
    );
  });
});
