import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from "node:https";
import { IngestServerError } from "./errors.ts";
import type { IngestServerOptions } from "./ingest-server-options.ts";

function readPem(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new IngestServerError(
      "INGEST_SERVER_CONFIG",
      `cannot read ingest_server ${what} ${path}: ${typeof code === "string" ? code : (error as Error).message}`,
      { cause: error },
    );
  }
}

/** True when the options serve HTTPS; throws for a certificate without its key and the like. */
export function checkTlsOptions(options: IngestServerOptions): boolean {
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined)) {
    throw new IngestServerError("INGEST_SERVER_CONFIG", "ingest_server tls_cert_file and tls_key_file go together");
  }
  if (options.tlsClientCaFile !== undefined && options.tlsCertFile === undefined) {
    throw new IngestServerError(
      "INGEST_SERVER_CONFIG",
      "ingest_server tls_client_ca_file needs tls_cert_file and tls_key_file",
    );
  }
  return options.tlsCertFile !== undefined && options.tlsKeyFile !== undefined;
}

/** The certificate, key and client CA of the options, read (a file that cannot be read is named). */
export function readTlsFiles(options: IngestServerOptions) {
  return {
    cert: readPem("tls_cert_file", options.tlsCertFile ?? ""),
    key: readPem("tls_key_file", options.tlsKeyFile ?? ""),
    ...(options.tlsClientCaFile !== undefined && {
      ca: readPem("tls_client_ca_file", options.tlsClientCaFile),
      requestCert: true,
      rejectUnauthorized: true,
    }),
  };
}

/** Run `use` with the TLS files; unusable ones (a key that does not match, no PEM) are an INGEST_SERVER_CONFIG error naming them, not a bare OpenSSL message. */
export function withTlsFiles<T>(options: IngestServerOptions, use: (files: ReturnType<typeof readTlsFiles>) => T): T {
  const files = [
    `tls_cert_file ${options.tlsCertFile ?? ""}`,
    `tls_key_file ${options.tlsKeyFile ?? ""}`,
    ...(options.tlsClientCaFile === undefined ? [] : [`tls_client_ca_file ${options.tlsClientCaFile}`]),
  ];
  const read = readTlsFiles(options);
  try {
    return use(read);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IngestServerError(
      "INGEST_SERVER_CONFIG",
      `ingest_server ${files.join(", ")}: cannot be used for TLS (${reason})`,
      { cause: error },
    );
  }
}

/** The HTTPS server of the options. */
export function createTlsServer(options: IngestServerOptions, serverOptions: HttpsServerOptions): Server {
  return withTlsFiles(options, (files) => createHttpsServer({ ...serverOptions, ...files }));
}
