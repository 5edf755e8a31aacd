import { spawnSync } from "node:child_process";
import { LocalServerError } from "./errors.ts";
import { whichBinary } from "./find-binary.ts";

export interface EnsureVictoriaMetricsOptions {
  /** Install the Debian package when missing (only as root with apt-get). Default true. */
  install?: boolean;
  /** Where progress lines go. */
  log?: (line: string) => void;
}

/**
 * Return the path of the `victoria-metrics` binary; on Debian as root, install the
 * `victoria-metrics` package when it is missing. Throws one clear line otherwise.
 */
export function ensureVictoriaMetrics(options: EnsureVictoriaMetricsOptions = {}): string {
  const found = whichBinary("victoria-metrics");
  if (found) return found;
  const canInstall = options.install !== false && process.getuid?.() === 0 && whichBinary("apt-get") !== undefined;
  if (!canInstall) {
    throw new LocalServerError(
      "LOCAL_VM_BINARY_MISSING",
      "victoria-metrics not found on PATH: install it with `apt-get install victoria-metrics` (as root)",
    );
  }
  const log = options.log ?? (() => undefined);
  log("victoria-metrics is missing: installing the Debian package (apt-get install victoria-metrics)...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "victoria-metrics"],
  ]) {
    const result = spawnSync("apt-get", args, { env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    if (result.status !== 0) {
      throw new LocalServerError(
        "LOCAL_VM_BINARY_MISSING",
        `apt-get ${args.join(" ")} failed: ${result.stderr.trim().split("\n").slice(-3).join(" ")}`,
      );
    }
  }
  const installed = whichBinary("victoria-metrics");
  if (!installed)
    throw new LocalServerError("LOCAL_VM_BINARY_MISSING", "victoria-metrics is still missing after apt-get install");
  return installed;
}
