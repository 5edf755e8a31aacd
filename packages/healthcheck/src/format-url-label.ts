/**
 * A URL as the `url` label of the writer metrics: no user info, no query, no fragment (no
 * credentials, bounded cardinality). Text that is not a URL keeps what precedes `?`, with
 * anything between `//` and `@` removed.
 */
export function formatUrlLabel(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    return parsed.toString();
  } catch {
    return (url.split(/[?#]/)[0] ?? "").replace(/\/\/[^/@]*@/, "//");
  }
}
