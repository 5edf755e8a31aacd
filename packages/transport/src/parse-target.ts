import { redactUrl } from "@anomaly-writer/common";
import { TransportConfigError } from "./errors.ts";
import { basicCredentialForms } from "./scrub-secrets.ts";

/** The target of one request: the URL without userinfo, and credentials taken from it. */
export interface Target {
  readonly href: string;
  readonly https: boolean;
  readonly redacted: string;
  readonly basicHeader?: string;
  readonly secrets: readonly string[];
}

/** Parse the URL, take its userinfo out (it becomes a basic-auth header), redact it for printing. */
export function parseTarget(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TransportConfigError([`not a valid URL: ${redactUrl(url)}`]);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TransportConfigError([`only http and https URLs are supported, got ${redactUrl(url)}`]);
  }
  const redacted = redactUrl(parsed.href);
  if (parsed.username === "" && parsed.password === "") {
    return { href: parsed.href, https: parsed.protocol === "https:", redacted, secrets: [] };
  }
  const user = safeDecode(parsed.username);
  const password = safeDecode(parsed.password);
  const secrets = [
    ...basicCredentialForms(user, password),
    parsed.password,
    parsed.username !== "" ? `${parsed.username}:${parsed.password}` : "",
  ].filter((s) => s !== "");
  parsed.username = "";
  parsed.password = "";
  return {
    href: parsed.href,
    https: parsed.protocol === "https:",
    redacted,
    basicHeader: `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`,
    secrets,
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
