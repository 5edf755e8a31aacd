import { describeValue, scalarField } from "./scalar-field.ts";

/** Where a server listens. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `HOST:PORT` (IPv6 as `[::1]:8490`; an empty host means 127.0.0.1); port 0 picks a free one. */
function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65_535) return undefined;
  return { host: match[1] ?? (match[2] || "127.0.0.1"), port };
}

/** A listen address `HOST:PORT`, resolved to `{ host, port }`. */
export const ListenAddressSchema = scalarField((value, report): ListenAddress => {
  const address = typeof value === "string" ? parseListenAddress(value) : undefined;
  if (address !== undefined) return address;
  report(
    typeof value === "string"
      ? `must be HOST:PORT (e.g. 127.0.0.1:8490, [::1]:8490, 0.0.0.0:8490), got "${value}"`
      : `must be HOST:PORT as a string (e.g. "127.0.0.1:8490"), got ${describeValue(value)}`,
  );
  return { host: "", port: 0 };
});
