/**
 * The headers of a Prometheus remote-write 1.0 request. With `@anomaly-writer/transport`, pass
 * them as `headers`: its `contentType` default is then not used, and the `Content-Encoding`
 * header turns its gzip off for the request.
 */
export const REMOTE_WRITE_HEADERS: Readonly<
  Record<"Content-Encoding" | "Content-Type" | "X-Prometheus-Remote-Write-Version", string>
> = Object.freeze({
  "Content-Encoding": "snappy",
  "Content-Type": "application/x-protobuf",
  "X-Prometheus-Remote-Write-Version": "0.1.0",
});
