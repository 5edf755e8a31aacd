// The programs a consumer writes, as source text. Each takes `VM_URL VARIANT` on its command line,
// writes one record into that VictoriaMetrics with the label variant=VARIANT, and prints one JSON
// object (ProgramOutput) that the test compares with exact values.

/** What every program prints (the TypeScript and bundled ones leave out `entries`). */
export interface ProgramOutput {
  /** Per library: the file its entry resolved to (below node_modules) and its export names. */
  readonly entries?: Readonly<Record<string, { readonly file: string; readonly exports: readonly string[] }>>;
  /** `process.version` of the Node that ran it. */
  readonly node: string;
  readonly datasourceUrl: string;
  readonly invalidConfig: { readonly isConfigError: boolean; readonly code: string };
  readonly encoded: string;
  readonly importUrl: string;
  readonly tenant: unknown;
  readonly written: { readonly ok: boolean; readonly series: number; readonly datapoints: number };
}

/** The record every program writes (and the CLI's input holds), and what it becomes. */
export const RECORD = {
  query_key: "q1",
  labels: { host: "h1" },
  timestamps: [1732406400000, 1732406460000],
  outputs: { anomaly_score: [0.25, 1.5], yhat: [10, 11] },
} as const;

const CONFIG_YAML =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the source of a generated program, with its own template
  '`writer:\\n  datasource_url: ${vmUrl}/\\n  metric_format:\\n    __name__: "consumer_$VAR"\\n    for: "$QUERY_KEY"\\n    variant: "${variant}"\\n`';

/** The part shared by the plain JavaScript programs: the body of `async function main()`. */
function javascriptBody(): string {
  return `
  const [vmUrl, variant] = process.argv.slice(2);
  const config = parseConfig(${CONFIG_YAML}, { checkFiles: false });
  let invalidConfig;
  try {
    parseConfig("writer:\\n  datasource_url: ftp://vm:8428\\n", { checkFiles: false });
  } catch (error) {
    invalidConfig = { isConfigError: error instanceof ConfigError, code: error.code };
  }
  const record = ${JSON.stringify(RECORD)};
  const encoded = createRecordEncoder({ metricFormat: config.writer.metricFormat }).encode(parseRecord(record)).text;
  const importUrl = resolveImportUrl({ datasourceUrl: "http://vminsert:8480/", tenantId: "7:9" });
  const tenant = parseTenantId("multitenant");
  const writer = createVmWriter(config, { logger: silentLogger });
  const result = await writer.write([record]);
  await writer.close();
  const written = { ok: result.ok, series: result.series, datapoints: result.datapoints };
  return { node: process.version, datasourceUrl: config.writer.datasourceUrl, invalidConfig, encoded, importUrl, tenant, written };
`;
}

const IMPORTED = {
  "@anomaly-writer/config": ["ConfigError", "parseConfig"],
  "@anomaly-writer/metric-format": ["createRecordEncoder", "parseRecord"],
  "@anomaly-writer/tenancy": ["parseTenantId", "resolveImportUrl"],
  "@anomaly-writer/writer": ["createVmWriter", "silentLogger"],
} as const;

/** Where a library's entry resolved to, relative to node_modules, and its export names. */
const entriesFunction = `
async function describeEntries(names, resolve, load) {
  const entries = {};
  for (const name of names) {
    const file = resolve(name);
    entries[name] = { file: file.slice(file.lastIndexOf("node_modules/") + "node_modules/".length), exports: Object.keys(await load(name)).sort() };
  }
  return entries;
}
`;

const finish = `main().then((output) => console.log(JSON.stringify(output)), (error) => { console.error(error); process.exitCode = 1; });\n`;

/** An ES module (`.mjs`) that imports the libraries, and loads every one of `libraries`. */
export function esmProgram(libraries: readonly string[]): string {
  const imports = Object.entries(IMPORTED).map(([name, names]) => `import { ${names.join(", ")} } from "${name}";`);
  return `${imports.join("\n")}
import { fileURLToPath } from "node:url";
${entriesFunction}
async function main() {
  const entries = await describeEntries(${JSON.stringify(libraries)}, (name) => fileURLToPath(import.meta.resolve(name)), (name) => import(name));
  return { entries, ...(await run()) };
}
async function run() {${javascriptBody()}}
${finish}`;
}

/** A CommonJS script (`.cjs`) that requires the libraries, and every one of `libraries`. */
export function cjsProgram(libraries: readonly string[]): string {
  const requires = Object.entries(IMPORTED).map(
    ([name, names]) => `const { ${names.join(", ")} } = require("${name}");`,
  );
  return `"use strict";
${requires.join("\n")}
${entriesFunction}
async function main() {
  const entries = await describeEntries(${JSON.stringify(libraries)}, (name) => require.resolve(name), async (name) => require(name));
  return { entries, ...(await run()) };
}
async function run() {${javascriptBody()}}
${finish}`;
}

/**
 * TypeScript with the packages' types used for real: annotated variables of exported types, and
 * `@ts-expect-error` on wrong calls (tsc fails if the types were `any` or missing). `.ts` in a
 * `"type": "module"` project compiles to ESM; the same text as `.cts` compiles to CommonJS.
 */
export function typescriptProgram(): string {
  return `import { ConfigError, parseConfig, type ResolvedConfig, type WriterConfig } from "@anomaly-writer/config";
import { createRecordEncoder, parseRecord, type EncodedRecord, type ModelOutputRecord } from "@anomaly-writer/metric-format";
import { parseTenantId, resolveImportUrl, type Tenant } from "@anomaly-writer/tenancy";
import { createVmWriter, silentLogger, type VmWriter, type WriteResult } from "@anomaly-writer/writer";

interface Output {
  node: string;
  datasourceUrl: string | undefined;
  invalidConfig: { isConfigError: boolean; code: string };
  encoded: string;
  importUrl: string;
  tenant: Tenant | undefined;
  written: Pick<WriteResult, "ok" | "series" | "datapoints">;
}

/** Never called: tsc must reject these calls (it would not if the types were \`any\` or missing). */
export function wrongCalls(): void {
  // @ts-expect-error metricFormat is a map of strings
  createRecordEncoder({ metricFormat: 42 });
  // @ts-expect-error the writer takes a resolved config, not YAML text
  createVmWriter("writer: {}");
}

async function main(): Promise<Output> {
  const [vmUrl = "", variant = ""] = process.argv.slice(2);
  const config: ResolvedConfig = parseConfig(${CONFIG_YAML}, { checkFiles: false });
  const writerConfig: WriterConfig = config.writer;
  let invalidConfig = { isConfigError: false, code: "none" };
  try {
    parseConfig("writer:\\n  datasource_url: ftp://vm:8428\\n", { checkFiles: false });
  } catch (error) {
    if (error instanceof ConfigError) invalidConfig = { isConfigError: true, code: error.code };
  }
  const record: ModelOutputRecord = parseRecord(${JSON.stringify(RECORD)});
  const encoded: EncodedRecord = createRecordEncoder({ metricFormat: writerConfig.metricFormat }).encode(record);
  const importUrl: string = resolveImportUrl({ datasourceUrl: "http://vminsert:8480/", tenantId: "7:9" });
  const tenant: Tenant | undefined = parseTenantId("multitenant");
  const writer: VmWriter = createVmWriter(config, { logger: silentLogger });
  const result: WriteResult = await writer.write([record]);
  await writer.close();
  const written = { ok: result.ok, series: result.series, datapoints: result.datapoints };
  return { node: process.version, datasourceUrl: writerConfig.datasourceUrl, invalidConfig, encoded: encoded.text, importUrl, tenant, written };
}

${finish}`;
}

/** The program bundled with esbuild: the assembled writer only (config, writer). */
export function bundledProgram(): string {
  return `import { parseConfig } from "@anomaly-writer/config";
import { decodeWriteRequest, encodeWriteRequest } from "@anomaly-writer/remote-write";
import { createVmWriter, formatWriteSummary, silentLogger } from "@anomaly-writer/writer";

const [vmUrl, variant] = process.argv.slice(2);
const writer = createVmWriter(parseConfig(${CONFIG_YAML}, { checkFiles: false }), { logger: silentLogger });
const result = await writer.write([${JSON.stringify(RECORD)}]);
await writer.close();
// remote_write's protobuf and snappy must be in the bundle too.
const remoteWrite = decodeWriteRequest(encodeWriteRequest([{ labels: { __name__: "rw_check" }, timestamps: [1], values: [0.5] }])).timeseries[0].samples;
console.log(JSON.stringify({ ok: result.ok, series: result.series, datapoints: result.datapoints, summary: formatWriteSummary(result), remoteWrite }));
`;
}

/**
 * Every library's declarations in the program (tsc checks only what is imported): a namespace
 * type import of each. As `.cts` under nodenext it checks the `.d.cts` files, as `.ts` the `.d.mts`.
 */
export function everyLibraryTypes(libraries: readonly string[]): string {
  const imports = libraries.map((name, i) => `import type * as library${i} from "${name}";`);
  return `${imports.join("\n")}\n\nexport type EveryLibrary = [${libraries.map((_, i) => `typeof library${i}`).join(", ")}];\n`;
}
