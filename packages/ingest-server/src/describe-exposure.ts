import { isIPv4, isIPv6 } from "node:net";

/** True for addresses only this machine can reach. */
export function isLoopback(address: string): boolean {
  if (isIPv4(address)) return address.startsWith("127.");
  if (isIPv6(address)) return address === "::1" || /^::ffff:127\./i.test(address);
  return address === "localhost";
}

/** The warning for a server reachable beyond this machine without authentication or TLS; undefined when there is none. */
export function describeExposure(url: string, host: string, authEnabled: boolean, tls: boolean): string | undefined {
  if (isLoopback(host)) return undefined;
  if (!authEnabled) {
    return (
      `ingest server: listening on ${url} WITHOUT AUTHENTICATION: anyone who can reach this address can write into your VictoriaMetrics and read /metrics. ` +
      "Set ingest_server.bearer_token, bearer_token_file or users, or listen on 127.0.0.1."
    );
  }
  if (!tls)
    return `ingest server: listening on ${url} without TLS: credentials cross the network in clear text. Set ingest_server.tls_cert_file and tls_key_file.`;
  return undefined;
}

/** The path of a request URL for logs and labels: no query string (it may hold secrets), no control characters, bounded. */
export function printablePath(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  const safe = path.replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return safe.length > 200 ? `${safe.slice(0, 200)}...` : safe;
}
