import { spawnSync } from "node:child_process";
import { findBinary } from "@anomaly-writer/local-vm";

/** What `vmalert -dryRun` said about rule files. */
export interface VmalertRulesCheck {
  /** True when vmalert exited 0: every file parsed, every expression and template is valid. */
  readonly ok: boolean;
  readonly exitCode: number | null;
  /** vmalert's `fatal`/`error`/`warn` log lines (its reason for refusing the files). */
  readonly problems: readonly string[];
}

/**
 * Validate rule files with the real `vmalert -dryRun -rule=...` (expressions and templates are
 * checked; unknown fields are errors). `vmalert` must be on PATH (Debian `victoria-metrics`).
 */
export function checkVmalertRules(files: readonly string[]): VmalertRulesCheck {
  const binary = findBinary("vmalert", "apt-get install victoria-metrics");
  const run = spawnSync(binary, ["-dryRun", "-loggerLevel=WARN", ...files.map((file) => `-rule=${file}`)], {
    encoding: "utf8",
    timeout: 30_000,
  });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  const problems = output.split("\n").filter((line) => /\t(fatal|error|warn)\t/.test(line));
  return { ok: run.status === 0 && problems.length === 0, exitCode: run.status, problems };
}
