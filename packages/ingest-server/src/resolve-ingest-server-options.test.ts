import { parseConfig } from "@anomaly-writer/config";
import { describe, expect, it } from "vitest";
import { resolveIngestServerOptions } from "./resolve-ingest-server-options.ts";

describe("resolveIngestServerOptions", () => {
  it("maps the defaults of an absent ingest_server section", () => {
    const config = parseConfig("writer:\n  datasource_url: http://vm:8428\n", { checkFiles: false });
    expect(resolveIngestServerOptions(config.ingestServer)).toEqual({
      host: "127.0.0.1",
      port: 8490,
      timeoutMs: 30_000,
      maxBodyBytes: 32 * 1024 * 1024,
      maxRecordsPerRequest: 10_000,
      maxSeriesPerRequest: 50_000,
      maxConcurrentRequests: 8,
      accessLog: true,
    });
  });

  it("maps every key", () => {
    const config = parseConfig(
      `writer:
  datasource_url: http://vm:8428
ingest_server:
  listen: "[::]:9000"
  bearer_token: t
  bearer_token_file: /run/tokens
  users: [{user: svc, password: p}]
  tls_cert_file: /tls/s.crt
  tls_key_file: /tls/s.key
  tls_client_ca_file: /tls/ca.crt
  timeout: 5s
  max_body_size: 1MiB
  max_records_per_request: 1
  max_series_per_request: 2
  max_concurrent_requests: 3
  access_log: false
`,
      { checkFiles: false },
    );
    expect(resolveIngestServerOptions(config.ingestServer)).toEqual({
      host: "::",
      port: 9000,
      bearerToken: "t",
      bearerTokenFile: "/run/tokens",
      users: [{ user: "svc", password: "p" }],
      tlsCertFile: "/tls/s.crt",
      tlsKeyFile: "/tls/s.key",
      tlsClientCaFile: "/tls/ca.crt",
      timeoutMs: 5000,
      maxBodyBytes: 1024 * 1024,
      maxRecordsPerRequest: 1,
      maxSeriesPerRequest: 2,
      maxConcurrentRequests: 3,
      accessLog: false,
    });
  });
});
