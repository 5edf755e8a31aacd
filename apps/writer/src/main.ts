#!/usr/bin/env node
import { type ArgsDef, defineCommand, runCommand, showUsage } from "citty";
// The published package's own version (the bundler inlines it).
import manifest from "../package.json" with { type: "json" };
import { runCheck } from "./commands/run-check.ts";
import { runDemo } from "./commands/run-demo.ts";
import { runServe } from "./commands/run-serve.ts";
import { runWrite } from "./commands/run-write.ts";
import { createLogger, LOG_LEVEL_NAMES, type LogFormat } from "./create-logger.ts";
import { EXIT_PARTIAL, EXIT_USAGE, UsageError } from "./exit-codes.ts";

const VERSION = manifest.version;

const logArgs = {
  "log-format": { type: "string", description: "pretty (default) or json", default: "pretty" },
  "log-level": { type: "string", description: `one of ${LOG_LEVEL_NAMES.join(", ")}`, default: "info" },
} as const satisfies ArgsDef;
const configArg = {
  config: { type: "string", alias: "c", description: "vmanomaly-compatible YAML config file", valueHint: "CONFIG" },
} as const satisfies ArgsDef;

function loggerFor(args: { "log-format": string; "log-level": string }) {
  if (args["log-format"] !== "pretty" && args["log-format"] !== "json")
    throw new UsageError(`--log-format must be pretty or json, not "${args["log-format"]}"`);
  try {
    return createLogger(args["log-format"] as LogFormat, args["log-level"]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const print = (text: string) => process.stdout.write(`${text}\n`);

/** Resolves with the signal name at the first SIGTERM/SIGINT. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
}

let exitCode = 0;
const finish = (code: number) => {
  exitCode = code;
};

const main = defineCommand({
  meta: {
    name: "anomaly-writer",
    version: VERSION,
    description: "Write anomaly-detection model outputs into VictoriaMetrics (vmanomaly-compatible)",
  },
  subCommands: {
    write: defineCommand({
      meta: { name: "write", description: "write model-output JSON lines from a file or stdin" },
      args: {
        ...configArg,
        input: { type: "string", alias: "i", description: "JSON-lines file, or - for stdin", default: "-" },
        ...logArgs,
      },
      run: async ({ args }) =>
        finish(
          await runWrite({
            config: args.config,
            input: args.input,
            env: process.env,
            logger: loggerFor(args),
            progress: process.stderr.isTTY === true,
          }),
        ),
    }),
    serve: defineCommand({
      meta: { name: "serve", description: "HTTP ingest API: POST /api/v1/outputs, GET /metrics, GET /health" },
      args: {
        ...configArg,
        listen: { type: "string", description: "HOST:PORT (overrides ingest_server.listen; default 127.0.0.1:8490)" },
        watch: {
          type: "boolean",
          description: "reload the config file when it changes (SIGHUP always reloads it)",
          default: false,
        },
        ...logArgs,
      },
      run: async ({ args }) =>
        finish(
          await runServe({
            config: args.config,
            listen: args.listen,
            env: process.env,
            logger: loggerFor(args),
            stopSignal: stopSignal(),
            onReload: (reload) => process.on("SIGHUP", reload),
            watch: args.watch,
          }),
        ),
    }),
    check: defineCommand({
      meta: {
        name: "check",
        description: "validate the config, print it resolved (secrets redacted), probe health and import URL",
      },
      args: { ...configArg, ...logArgs },
      run: async ({ args }) =>
        finish(await runCheck({ config: args.config, env: process.env, logger: loggerFor(args), print })),
    }),
    demo: defineCommand({
      meta: {
        name: "demo",
        description: "local VictoriaMetrics + a day of synthetic anomaly scores, written, read back and shown",
      },
      args: {
        keep: { type: "boolean", description: "keep VictoriaMetrics running until Ctrl-C", default: false },
        ...logArgs,
      },
      run: async ({ args }) =>
        finish(await runDemo({ logger: loggerFor(args), print, ...(args.keep ? { keepUntil: stopSignal() } : {}) })),
    }),
  },
});

const rawArgs = process.argv.slice(2);
const subName = rawArgs.find((a) => !a.startsWith("-"));
const subCommands = main.subCommands as Record<string, ReturnType<typeof defineCommand>>;
try {
  if (rawArgs.includes("--help") || rawArgs.includes("-h")) {
    const sub = subName ? subCommands[subName] : undefined;
    await (sub ? showUsage(sub, main) : showUsage(main));
  } else if (rawArgs.length === 1 && rawArgs[0] === "--version") {
    print(VERSION);
  } else if (rawArgs.length === 0) {
    await showUsage(main);
    exitCode = EXIT_USAGE;
  } else {
    await runCommand(main, { rawArgs });
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError || (error instanceof Error && error.name === "CLIError")) {
    exitCode = EXIT_USAGE;
    process.stderr.write(
      `anomaly-writer: ${message}\n${error instanceof UsageError ? "" : "run `anomaly-writer --help` for usage\n"}`,
    );
  } else {
    exitCode = EXIT_PARTIAL;
    process.stderr.write(`anomaly-writer: ${message}\n`);
  }
}
process.exit(exitCode);
