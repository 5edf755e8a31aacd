import { describeValue, scalarField } from "./scalar-field.ts";

/** A TCP port 1..65535; a string of digits (`port: "8888"`, as the operator renders it) is accepted. */
export const PortSchema = scalarField((value, report): number => {
  const port = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65_535) return port;
  report(
    typeof port === "number" || typeof value === "string"
      ? `must be a port from 1 to 65535, got ${JSON.stringify(value)}`
      : `must be a port from 1 to 65535, got ${describeValue(value)}`,
  );
  return 0;
});
