// Re-exported for the tests of this package (a real client against real receivers).

export type { Transport } from "@anomaly-writer/transport";
export { createTransport, TransportError } from "@anomaly-writer/transport";
