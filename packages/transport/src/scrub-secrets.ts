const REDACTED = "<redacted>";

/**
 * Replace every occurrence of the given secrets in `text` with `<redacted>`, in the forms a server
 * may echo them: as is, percent-encoded, JSON/Go-quoted, and (for `user:password` pairs given via
 * {@link basicCredentialForms}) base64. Longer secrets are replaced first.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === "") continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (form !== "" && out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/** The secret strings of a basic-auth pair: the password, `user:password` and its base64 form. */
export function basicCredentialForms(user: string, password: string): string[] {
  const pair = `${user}:${password}`;
  const base64 = Buffer.from(pair, "utf8").toString("base64");
  const forms = [base64, base64.replace(/=+$/, "")];
  if (password !== "") forms.push(password, pair);
  return forms.filter((form) => form !== "");
}
