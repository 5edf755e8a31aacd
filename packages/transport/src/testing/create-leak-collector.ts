import { inspect } from "node:util";
import type { AttemptInfo } from "../transport-options.ts";

/** Collects everything the transport showed the outside (errors, hook infos) to look for secrets in it. */
export interface LeakCollector {
  /** A hook to pass as `hooks.onAttempt`; keeps the infos. */
  readonly onAttempt: (info: AttemptInfo) => void;
  readonly attempts: AttemptInfo[];
  /** Record an error (message, string form, fields, inspected cause chain) or any value. */
  record(value: unknown): void;
  /** Await a promise that must reject; records and returns the error. */
  rejection(promise: Promise<unknown>): Promise<unknown>;
  /** Every collected text. */
  texts(): string[];
  /** The collected texts that contain one of the secrets, with the secret found. */
  leaks(secrets: readonly string[]): { secret: string; text: string }[];
}

/** A {@link LeakCollector}. */
export function createLeakCollector(): LeakCollector {
  const attempts: AttemptInfo[] = [];
  const texts: string[] = [];
  const record = (value: unknown): void => {
    if (value instanceof Error) {
      texts.push(String(value), value.message, value.stack ?? "", inspect(value, { depth: 10, showHidden: true }));
      texts.push(JSON.stringify({ ...value }));
    } else {
      texts.push(typeof value === "string" ? value : (JSON.stringify(value) ?? String(value)));
    }
  };
  return {
    attempts,
    onAttempt(info) {
      attempts.push(info);
      texts.push(JSON.stringify(info), inspect(info, { depth: 5 }));
    },
    record,
    async rejection(promise) {
      try {
        await promise;
      } catch (error) {
        record(error);
        return error;
      }
      throw new Error("expected a rejection");
    },
    texts: () => [...texts],
    leaks(secrets) {
      const found: { secret: string; text: string }[] = [];
      for (const text of texts)
        for (const secret of secrets) if (secret !== "" && text.includes(secret)) found.push({ secret, text });
      return found;
    },
  };
}
