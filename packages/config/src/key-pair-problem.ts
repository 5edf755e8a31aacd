import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";

/**
 * Why the private key in `keyPath` cannot serve the certificate in `certPath` (the first one of
 * the file), or undefined when it can. Both files are expected to hold valid PEM already
 * (`fileContentProblem`); when they do not, this says nothing, so a problem is reported once.
 */
export function keyPairProblem(certPath: string, keyPath: string, certKey: string): string | undefined {
  let certificate: X509Certificate;
  let certText: string;
  let keyText: string;
  try {
    certText = readFileSync(certPath, "utf8");
    keyText = readFileSync(keyPath, "utf8");
    certificate = new X509Certificate(certText);
    if (!certificate.checkPrivateKey(createPrivateKey(keyText))) {
      const subject = certificate.subject.replaceAll("\n", ", ");
      return `file ${keyPath} is not the private key of the certificate "${subject}" in ${certKey} ${certPath}: they do not match`;
    }
  } catch {
    return undefined;
  }
  try {
    createSecureContext({ cert: certText, key: keyText });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `file ${keyPath} and ${certKey} ${certPath} cannot be used together for TLS (${reason})`;
  }
  return undefined;
}
