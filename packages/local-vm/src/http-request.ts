import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { LocalServerError } from "./errors.ts";

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** CA bundle (PEM) to trust for https URLs. */
  ca?: string | Buffer;
  /** Client certificate and key (PEM) for mTLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Skip certificate verification. */
  insecure?: boolean;
  timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A small dependency-free HTTP(S) client used by the launcher and test helpers. */
export function httpSend(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const isHttps = target.protocol === "https:";
  const send = isHttps ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...options.headers };
  if (target.username || target.password) {
    headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString("base64")}`;
    target.username = "";
    target.password = "";
  }
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? "GET",
        headers,
        timeout: options.timeoutMs ?? 10_000,
        agent: false,
        ...(isHttps
          ? {
              ...(options.ca ? { ca: options.ca } : {}),
              ...(options.cert ? { cert: options.cert } : {}),
              ...(options.key ? { key: options.key } : {}),
              rejectUnauthorized: !options.insecure,
            }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(
        new LocalServerError("LOCAL_VM_REQUEST_FAILED", `request to ${target.origin}${target.pathname} timed out`),
      ),
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
