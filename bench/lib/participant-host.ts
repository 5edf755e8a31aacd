/**
 * The process a hosted participant runs in (see hosted-participant.ts): it answers `init`,
 * `warmUp`, `measure` and `close` requests over IPC, generating each slot's records itself.
 */
import { createCatchupParticipant } from "../bench-catchup.ts";
import { createLibraryParticipant } from "../bench-library.ts";
import { createPeerParticipant } from "../bench-peer.ts";
import type { BenchVm } from "./bench-vm.ts";
import type { EndToEndContext, Participant } from "./end-to-end.ts";
import type { HostReply, HostRequest } from "./hosted-participant.ts";
import { collectGarbage } from "./measure.ts";
import { materializeRecords } from "./shapes.ts";

let participant: Participant | undefined;

async function handle(request: HostRequest): Promise<HostReply> {
  switch (request.op) {
    case "init": {
      const urls = request.urls;
      const spec = request.spec;
      if (!urls || !spec) throw new Error("init without spec or urls");
      // The participants here only use the VictoriaMetrics URLs.
      const ctx: EndToEndContext = {
        vm: urls as unknown as BenchVm,
        dir: "",
        appMain: "",
        log: (line) => process.stderr.write(`${line}\n`),
      };
      participant =
        spec.kind === "library"
          ? createLibraryParticipant(ctx, spec.options ?? {}, spec.name, spec.wireFormat)
          : spec.kind === "catchup"
            ? createCatchupParticipant(ctx)
            : createPeerParticipant(ctx);
      return { id: request.id };
    }
    case "warmUp":
    case "measure": {
      if (!participant || !request.shape || !request.slot) throw new Error(`${request.op} before init`);
      const records = materializeRecords(request.shape, request.slot);
      collectGarbage();
      if (request.op === "warmUp") {
        await (participant.warmUp
          ? participant.warmUp(request.shape, request.slot, records)
          : participant.measure(request.shape, request.slot, records));
        return { id: request.id };
      }
      return { id: request.id, result: await participant.measure(request.shape, request.slot, records) };
    }
    case "close":
      await participant?.close?.();
      return { id: request.id };
  }
}

process.on("message", (request: HostRequest) => {
  handle(request).then(
    (reply) => process.send?.(reply),
    (error: unknown) =>
      process.send?.({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies HostReply),
  );
});
process.on("disconnect", () => process.exit(0));
