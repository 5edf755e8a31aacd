import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";

/** What a file named by the config must hold. */
export type FileContent = "certificate" | "private-key" | "ca-bundle" | "bearer-token" | "bearer-tokens";

/** A PEM or token file larger than this is refused unread (a path to a huge file must not fill the memory). */
export const MAX_CONTENT_FILE_BYTES = 4 * 1024 * 1024;

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const SWAPPED = "are the certificate and key files swapped?";

/**
 * Why the readable file at `path` does not hold what it must, or undefined when it does: a PEM
 * certificate (chain), an unencrypted PEM private key, a CA bundle with a certificate that can be a
 * trust anchor (a CA, or self-signed), or a bearer token (one, or one per line). Never shows the content.
 */
export function fileContentProblem(path: string, content: FileContent): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return undefined; // the path check reports it
  if (!stat.isFile()) return `${path} is not a regular file`;
  if (stat.size > MAX_CONTENT_FILE_BYTES)
    return `file ${path} is ${stat.size} bytes: more than a ${describe(content)} file may have (4 MiB)`;
  const text = readFileSync(path, "utf8");
  if (text.trim() === "") return `file ${path} is empty: it holds no ${describe(content)}`;
  switch (content) {
    case "certificate":
      return certificateProblem(path, text, "a certificate");
    case "ca-bundle":
      return certificateProblem(path, text, "a CA certificate") ?? trustAnchorProblem(path, text);
    case "private-key":
      return privateKeyProblem(path, text);
    case "bearer-token":
      return /[\r\n]/.test(text.trim())
        ? `file ${path} holds several lines: a bearer_token_file holds one token`
        : undefined;
    case "bearer-tokens":
      return undefined;
  }
}

function describe(content: FileContent): string {
  if (content === "certificate") return "certificate";
  if (content === "ca-bundle") return "CA certificate";
  if (content === "private-key") return "private key";
  return "token";
}

/** The PEM block labels in `text` (`CERTIFICATE`, `PRIVATE KEY`, `EC PRIVATE KEY`...). */
function pemLabels(text: string): string[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((match) => match[1] ?? "");
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function certificateProblem(path: string, text: string, wanted: string): string | undefined {
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    const labels = pemLabels(text);
    if (labels.some((label) => label.endsWith("PRIVATE KEY")))
      return `file ${path} holds a private key, not ${wanted}: ${SWAPPED}`;
    if (labels.length > 0) return `file ${path} holds a PEM ${labels[0]}, not ${wanted} (-----BEGIN CERTIFICATE-----)`;
    return `file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  }
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      const which = blocks.length === 1 ? "its certificate" : `certificate ${index + 1} of ${blocks.length}`;
      return `file ${path}: ${which} cannot be parsed (${reasonOf(error)})`;
    }
  }
  return undefined;
}

/** A CA bundle must hold a certificate that can verify a server: a CA, or a self-signed certificate. */
function trustAnchorProblem(path: string, text: string): string | undefined {
  const certificates = (text.match(CERTIFICATE_BLOCK) ?? []).map((block) => new X509Certificate(block));
  if (certificates.some((c) => c.ca || (c.checkIssued(c) && c.verify(c.publicKey)))) return undefined;
  const first = certificates[0];
  const name = (dn: string | undefined) => (dn ?? "").replaceAll("\n", ", ");
  return (
    `file ${path} holds no CA certificate: "${name(first?.subject)}" (issued by "${name(first?.issuer)}") is neither a CA ` +
    "(basicConstraints CA:TRUE) nor self-signed; name the certificate of the CA that signed it"
  );
}

function privateKeyProblem(path: string, text: string): string | undefined {
  const labels = pemLabels(text);
  if (labels.includes("ENCRYPTED PRIVATE KEY") || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    return `file ${path} holds a private key encrypted with a passphrase, which is not supported: decrypt it (openssl pkey -in KEY -out KEY.plain)`;
  }
  if (!labels.some((label) => label.endsWith("PRIVATE KEY"))) {
    if (labels.includes("CERTIFICATE")) return `file ${path} holds a certificate, not a private key: ${SWAPPED}`;
    if (labels.length > 0)
      return `file ${path} holds a PEM ${labels[0]}, not a private key (-----BEGIN PRIVATE KEY-----)`;
    return `file ${path} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`;
  }
  try {
    createPrivateKey(text);
  } catch (error) {
    return `file ${path}: its private key cannot be parsed (${reasonOf(error)})`;
  }
  return undefined;
}
