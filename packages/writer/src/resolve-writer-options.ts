import type { HttpClientConfig, WriterConfig } from "@anomaly-writer/config";
import { resolveHealthUrl } from "@anomaly-writer/healthcheck";
import { resolveImportUrl } from "@anomaly-writer/tenancy";
import type { TransportOptions } from "@anomaly-writer/transport";

/** Transport options for an HTTP client section of the config (writer or monitoring.push). */
export function resolveTransportOptions(http: HttpClientConfig): TransportOptions {
  return {
    ...(http.user !== undefined ? { user: http.user, password: http.password ?? "" } : {}),
    ...(http.bearerToken !== undefined ? { bearerToken: http.bearerToken } : {}),
    ...(http.bearerTokenFile !== undefined ? { bearerTokenFile: http.bearerTokenFile } : {}),
    verifyTls: http.verifyTls,
    ...(http.tlsCertFile !== undefined ? { tlsCertFile: http.tlsCertFile } : {}),
    ...(http.tlsKeyFile !== undefined ? { tlsKeyFile: http.tlsKeyFile } : {}),
    timeoutMs: http.timeoutMs,
  };
}

/** Where the writer sends and probes, from the `writer:` section. */
export interface ResolvedWriterEndpoints {
  readonly importUrl: string;
  readonly healthUrl: string;
}

/** The import and health URLs of a `vm` writer. */
export function resolveWriterEndpoints(writer: WriterConfig): ResolvedWriterEndpoints {
  const datasourceUrl = writer.datasourceUrl ?? "";
  return {
    importUrl: resolveImportUrl({
      datasourceUrl,
      ...(writer.tenantId !== undefined ? { tenantId: writer.tenantId } : {}),
      // remote_write goes to /api/v1/write (or /insert/A:P/prometheus/api/v1/write); import_json_path is for vm only.
      ...(writer.class === "remote_write"
        ? { path: "/api/v1/write" }
        : writer.importJsonPath !== undefined
          ? { importJsonPath: writer.importJsonPath }
          : {}),
    }),
    healthUrl: resolveHealthUrl(datasourceUrl, writer.healthPath),
  };
}
