import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CreateVmWriterOptions } from "@anomaly-writer/writer";
import type { EndToEndContext, Measured, Participant } from "./end-to-end.ts";
import type { Shape, Slot } from "./shapes.ts";

/** The participants that run inside a Node process: ours (the library, with its default or other settings) and the peer. */
export type HostedSpec =
  | {
      readonly kind: "library";
      readonly name?: string;
      readonly options?: Pick<CreateVmWriterOptions, "gzip" | "maxInFlight" | "maxRequestBytes">;
      readonly wireFormat?: "auto" | "json";
    }
  | { readonly kind: "peer" }
  | { readonly kind: "catchup" };

/** A request to the host process. */
export interface HostRequest {
  readonly id: number;
  readonly op: "init" | "warmUp" | "measure" | "close";
  readonly spec?: HostedSpec;
  readonly urls?: { readonly url: string; readonly importUrl: string; readonly remoteWriteUrl: string };
  readonly shape?: Shape;
  readonly slot?: Slot;
}

/** Its answer. */
export interface HostReply {
  readonly id: number;
  readonly result?: Measured;
  readonly error?: string;
}

/**
 * A participant that runs in its own Node process (`participant-host.ts`), one per participant:
 * each gets a heap of its own, so that one participant's data (a label cache of 500 000 series,
 * the peer's protobuf objects, the records of the other participants) is not marked and swept on
 * another's clock. The host regenerates the slot's records itself (they are deterministic),
 * materializes them, collects garbage, and times only `write()`.
 */
export function createHostedParticipant(ctx: EndToEndContext, spec: HostedSpec): Participant {
  const name = spec.kind === "library" ? (spec.name ?? "library") : spec.kind;
  let child: ChildProcess | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (m: Measured) => void; reject: (e: Error) => void }>();

  const start = (): ChildProcess => {
    const host = fileURLToPath(new URL("./participant-host.ts", import.meta.url));
    const tsx = import.meta.resolve("tsx");
    const proc = fork(host, [], { execArgv: ["--import", tsx], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    proc.on("message", (reply: HostReply) => {
      const entry = waiting.get(reply.id);
      if (!entry) return;
      waiting.delete(reply.id);
      if (reply.error !== undefined) entry.reject(new Error(reply.error));
      else entry.resolve(reply.result ?? { ms: Number.NaN });
    });
    proc.on("exit", (code) => {
      for (const entry of waiting.values()) entry.reject(new Error(`${name} host exited with ${code}`));
      waiting.clear();
    });
    return proc;
  };

  const call = (request: Omit<HostRequest, "id">): Promise<Measured> => {
    if (!child) {
      child = start();
      void call({
        op: "init",
        spec,
        urls: { url: ctx.vm.url, importUrl: ctx.vm.importUrl, remoteWriteUrl: ctx.vm.remoteWriteUrl },
      });
    }
    const id = nextId++;
    return new Promise<Measured>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      child?.send({ ...request, id } satisfies HostRequest);
    });
  };

  return {
    name,
    generatesOwnRecords: true,
    measure: (shape, slot) => call({ op: "measure", shape, slot }),
    ...(spec.kind === "peer"
      ? {}
      : {
          async warmUp(shape: Shape, slot: Slot) {
            await call({ op: "warmUp", shape, slot });
          },
        }),
    async close() {
      if (!child) return;
      await call({ op: "close" }).catch(() => undefined);
      child.disconnect();
      child = undefined;
    },
  };
}
