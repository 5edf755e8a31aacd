/**
 * `--prototypes`: end-to-end participants built from the prototypes in this folder, measured
 * against the same curl baseline as the library, to show what the proposed changes would gain.
 */
import { parseConfig } from "@anomaly-writer/config";
import { createRecordEncoder, safeParseRecord } from "@anomaly-writer/metric-format";
import { resolveTransportOptions, resolveWriterEndpoints } from "@anomaly-writer/writer";
import { createTransport, type Transport } from "@anomaly-writer/transport";
import { benchConfigYaml } from "../bench-library.ts";
import { ownCpuSeconds } from "../lib/cpu.ts";
import type { EndToEndContext, Participant } from "../lib/end-to-end.ts";
import { METRIC_FORMAT } from "../lib/serialize-body.ts";
import { datapointsOf, VARIABLES } from "../lib/shapes.ts";
import type { FastRecordEncoder } from "./fast-record-encoder.ts";
import { createFastWriter } from "./fast-writer.ts";
import { createRawPost } from "./raw-undici-post.ts";
import { createTemplateRecordEncoder } from "./template-record-encoder.ts";

/** The package encoder behind the prototype interface: safeParseRecord, encode, join, byteLength (what the writer does per record). */
export function createPackageEncoderAdapter(labelCacheSize?: number): FastRecordEncoder {
  const encoder = createRecordEncoder({ metricFormat: METRIC_FORMAT, ...(labelCacheSize !== undefined ? { labelCacheSize } : {}) });
  const encode: FastRecordEncoder["encode"] = (record) => {
    const encoded = encoder.encode(record);
    let bytes = 0;
    for (const line of encoded.lines) bytes += Buffer.byteLength(line);
    return { text: encoded.lines.join(""), bytes, series: encoded.series, datapoints: encoded.datapoints, nan: encoded.dropped.nan, inf: encoded.dropped.inf };
  };
  return {
    encode,
    encodeRaw(record) {
      const parsed = safeParseRecord(record);
      if (!parsed.success) throw new Error(`invalid record: ${parsed.issues[0]?.message}`);
      return encode(parsed.output);
    },
  };
}

/** A prototype writer: which encoder, how request bodies are built, how they are sent. */
export interface PrototypeSpec {
  readonly name: string;
  /** `template`: template encoder (no cache, validation folded in); `package-fitted-cache`: today's encoder + safeParseRecord with a cache that holds every series (2 × series + 2). */
  readonly encoder: "template" | "package-fitted-cache";
  /** `join`: one string per request (`chunks.join("")`); `pooled`: encoded into reused request buffers. */
  readonly body: "join" | "pooled";
  /** `transport`: the package transport (ofetch + undici fetch); `raw`: undici.request. */
  readonly post: "transport" | "raw";
  /** Yield to the event loop after each dispatch (default true). */
  readonly yieldAfterDispatch?: boolean;
}

/** The prototypes `--prototypes` runs. */
export const PROTOTYPES: readonly PrototypeSpec[] = [
  { name: "proto-template", encoder: "template", body: "join", post: "transport" },
  { name: "proto-buffers", encoder: "template", body: "pooled", post: "raw" },
  { name: "proto-fitted", encoder: "package-fitted-cache", body: "join", post: "transport" },
];

/** A participant writing with the fast writer loop of `fast-writer.ts`, as `spec` says. */
export function createPrototypeParticipant(ctx: EndToEndContext, spec: PrototypeSpec): Participant {
  const config = parseConfig(benchConfigYaml(ctx.vm.url), { env: {} });
  const { importUrl } = resolveWriterEndpoints(config.writer);
  let transport: Transport | undefined;
  let raw: ReturnType<typeof createRawPost> | undefined;
  const encoders = new Map<string, FastRecordEncoder>();
  const encoderFor = (shapeName: string, series: number) => {
    let encoder = encoders.get(shapeName);
    if (!encoder) {
      encoder = spec.encoder === "template" ? createTemplateRecordEncoder({ metricFormat: METRIC_FORMAT }) : createPackageEncoderAdapter(2 * series + 2);
      encoders.set(shapeName, encoder);
    }
    return encoder;
  };
  const writerFor = (shapeName: string, series: number) => {
    transport ??= createTransport({ ...resolveTransportOptions(config.writer), retry: { attempts: config.writer.connectionRetryAttempts + 1 } });
    const t = transport;
    if (spec.post === "raw") raw ??= createRawPost();
    const rawPost = raw?.post;
    const post = rawPost
      ? (url: string, body: Uint8Array | string) => rawPost(url, typeof body === "string" ? Buffer.from(body) : body)
      : (url: string, body: Uint8Array | string) => t.post(url, body, { contentType: "application/json" });
    return createFastWriter({
      importUrl,
      transport: t,
      encoder: encoderFor(shapeName, series),
      pooledBuffers: spec.body === "pooled",
      post: post as (url: string, body: Uint8Array) => Promise<{ bytesSent: number }>,
      ...(spec.yieldAfterDispatch === false ? { yieldAfterDispatch: false } : {}),
    });
  };
  return {
    name: spec.name,
    async warmUp(shape, _slot, records) {
      await writerFor(shape.name, shape.series * VARIABLES.length).write(records);
    },
    async measure(shape, _slot, records) {
      const writer = writerFor(shape.name, shape.series * VARIABLES.length);
      const cpu0 = ownCpuSeconds();
      const t0 = performance.now();
      const result = await writer.write(records);
      const ms = performance.now() - t0;
      const clientCpuS = ownCpuSeconds() - cpu0;
      if (result.datapoints !== datapointsOf(shape)) throw new Error(`prototype wrote ${result.datapoints}/${datapointsOf(shape)} datapoints`);
      return { ms, clientCpuS, note: `${result.requests} requests` };
    },
    async close() {
      await transport?.close();
      await raw?.close();
    },
  };
}
