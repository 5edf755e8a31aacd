import { redactUrl } from "@anomaly-writer/common";
import { describeValue, scalarField } from "./scalar-field.ts";

const FORM = "an http(s) URL such as http://victoriametrics:8428";

/**
 * An `http://` or `https://` base URL that later code appends paths to: kept as written (a path
 * prefix such as `/vm` included) but without trailing slashes; no query string or fragment.
 */
export const HttpUrlSchema = scalarField((value, report): string => {
  if (Array.isArray(value)) {
    report(`must be ${FORM}, got a list (in YAML, [...] is a list: replace the placeholder with the URL, in quotes)`);
    return "";
  }
  if (typeof value !== "string") {
    const hint =
      describeValue(value) === "a mapping"
        ? " (in YAML, {...} is a mapping: replace the placeholder with the URL)"
        : "";
    report(`must be ${FORM}, got ${describeValue(value)}${hint}`);
    return "";
  }
  const text = value.trim();
  const shown = redactUrl(text);
  if (/^[{<[].*[}>\]]$/.test(text) || /\byour[_ -]/i.test(text)) {
    report(`"${shown}" is a documentation placeholder, not a URL; expected ${FORM}`);
    return "";
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    report(`"${shown}" is not a valid URL; expected ${FORM}`);
    return "";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    report(`"${shown}" must start with http:// or https://`);
    return "";
  }
  if (url.hostname === "") {
    report(`"${shown}" has no host; expected ${FORM}`);
    return "";
  }
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(text)) {
    report(`"${shown}" must not contain a query string or #fragment (paths are appended to it)`);
    return "";
  }
  return text.replace(/\/+$/, "");
});
