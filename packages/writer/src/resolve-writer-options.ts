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

/**
 * The import and health URLs of an HTTP writer. `importPath` is the sink's: vm's
 * (`import_json_path`, default `/api/v1/import`) unless told otherwise, remote write's `/api/v1/write`;
 * with `tenant_id` both go under `/insert/A:P/prometheus/...`.
 */
export function resolveWriterEndpoints(
  writer: WriterConfig,
  importPath: { readonly importJsonPath?: string } | { readonly path: string } = writer.importJsonPath !== undefined
    ? { importJsonPath: writer.importJsonPath }
    : {},
): ResolvedWriterEndpoints {
  const datasourceUrl = writer.datasourceUrl ?? "";
  return {
    importUrl: resolveImportUrl({
      datasourceUrl,
      ...(writer.tenantId !== undefined ? { tenantId: writer.tenantId } : {}),
      ...importPath,
    }),
    healthUrl: resolveHealthUrl(datasourceUrl, writer.healthPath),
  };
}
