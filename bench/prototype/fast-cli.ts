/**
 * PROTOTYPE (bench only): `anomaly-writer write -i FILE` reduced to reading + writing, in two
 * flavours run the same way (`node --import tsx`), to compare their time and peak RSS:
 *
 *   tsx prototype/fast-cli.ts package  URL FILE   readJsonLines + createVmWriter (today's code)
 *   tsx prototype/fast-cli.ts proposed URL FILE   readJsonLines + template encoder + pooled buffers + undici.request
 */
import { createReadStream } from "node:fs";
import { parseConfig } from "@anomaly-writer/config";
import { createVmWriter, readJsonLines } from "@anomaly-writer/writer";
import { createTransport } from "@anomaly-writer/transport";
import { benchConfigYaml } from "../bench-library.ts";
import { METRIC_FORMAT } from "../lib/serialize-body.ts";
import { createFastWriter } from "./fast-writer.ts";
import { createRawPost } from "./raw-undici-post.ts";
import { createTemplateRecordEncoder } from "./template-record-encoder.ts";

const [flavour, url, file] = process.argv.slice(2);
if (!url || !file || (flavour !== "package" && flavour !== "proposed")) throw new Error("usage: fast-cli.ts package|proposed URL FILE");
const records = async function* () {
  for await (const entry of readJsonLines(createReadStream(file))) {
    if (entry.parseError !== undefined) throw new Error(`${entry.position}: ${entry.parseError}`);
    yield entry.value;
  }
};
let datapoints: number;
if (flavour === "package") {
  const writer = createVmWriter(parseConfig(benchConfigYaml(url), { env: {} }));
  const result = await writer.write(readJsonLines(createReadStream(file)));
  await writer.close();
  datapoints = result.datapoints;
} else {
  const raw = createRawPost();
  const transport = createTransport({});
  const writer = createFastWriter({ importUrl: `${url}/api/v1/import`, transport, encoder: createTemplateRecordEncoder({ metricFormat: METRIC_FORMAT }), pooledBuffers: true, post: raw.post });
  const result = await writer.write(records());
  await raw.close();
  await transport.close();
  datapoints = result.datapoints;
}
process.stdout.write(`${datapoints} datapoints\n`);
