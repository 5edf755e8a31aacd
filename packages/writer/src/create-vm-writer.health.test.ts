import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "@anomaly-writer/config";
import { afterEach, describe, expect, it } from "vitest";
import { createVmWriter } from "./create-vm-writer.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

// No request is made: VictoriaMetrics is never reached (a closed port), only the queue is opened.
const config = (queuePath: string) =>
  parseConfig(`writer:\n  datasource_url: http://127.0.0.1:1\n  queue:\n    path: ${queuePath}\n`);

describe("VmWriter.health with writer.queue", () => {
  it("is not ok while the queue opens, ok once it is open, and not ok with the reason when it cannot open", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aw-health-"));
    dirs.push(dir);
    const first = createVmWriter(config(dir), { backgroundSender: false });
    expect(await first.health()).toEqual({ ok: false, detail: "the durable queue is opening" });
    await first.ready();
    expect(await first.health()).toEqual({ ok: true, detail: "OK" });
    // A second writer on the same directory: refused, and its health says by whom.
    const second = createVmWriter(config(dir), { backgroundSender: false });
    await expect(second.ready()).rejects.toMatchObject({ code: "QUEUE_LOCKED" });
    const health = await second.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain(
      `the durable queue is not open: [queue] the queue directory ${dir} is already open in this process (pid ${process.pid} on host`,
    );
    await second.close();
    await first.close();
    expect(await first.health()).toEqual({ ok: false, detail: "closed" });
  });
});
