import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCertificates, type TestCertificates } from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransportConfigError } from "./errors.ts";
import { resolveTransportOptions } from "./resolve-transport-options.ts";

describe("resolveTransportOptions", () => {
  let certs: TestCertificates;
  let dir: string;
  beforeAll(async () => {
    certs = makeCertificates();
    dir = await mkdtemp(join(tmpdir(), "transport-options-"));
  });
  afterAll(async () => {
    await rm(certs.dir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it("applies the defaults", () => {
    const resolved = resolveTransportOptions();
    expect(resolved.timeoutMs).toBe(5000);
    expect(resolved.retry).toEqual({ attempts: 2, baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.1 });
    expect(resolved.gzipByDefault).toBe(false);
    expect(resolved.gzipLevel).toBe(1);
    expect(resolved.keepAlive).toBe(true);
    expect(resolved.tls).toEqual({ rejectUnauthorized: true });
    expect(resolved.auth).toEqual({ kind: "none" });
  });

  it("reads the CA bundle and the client certificate", () => {
    const resolved = resolveTransportOptions({
      verifyTls: certs.caFile,
      tlsCertFile: certs.clientCertFile,
      tlsKeyFile: certs.clientKeyFile,
      gzip: { level: 6 },
    });
    expect(resolved.tls.ca?.toString()).toContain("BEGIN CERTIFICATE");
    expect(resolved.hasClientCertificate).toBe(true);
    expect([resolved.gzipByDefault, resolved.gzipLevel]).toEqual([true, 6]);
    expect(resolveTransportOptions({ verifyTls: false }).tls.rejectUnauthorized).toBe(false);
  });

  it("refuses files that are not PEM, and a key that does not match the certificate", async () => {
    const junk = join(dir, "junk.pem");
    await writeFile(junk, "not a certificate\n");
    expect(() => resolveTransportOptions({ verifyTls: junk })).toThrow(TransportConfigError);
    expect(() =>
      resolveTransportOptions({ tlsCertFile: certs.clientCertFile, tlsKeyFile: certs.otherClientKeyFile }),
    ).toThrow(/not usable PEM/);
  });

  it("keeps the secrets it knows for scrubbing", () => {
    const resolved = resolveTransportOptions({ user: "writer", password: "pw" });
    expect(resolved.secrets).toContain("pw");
    expect(resolved.secrets).toContain(Buffer.from("writer:pw").toString("base64"));
    expect(resolveTransportOptions({ bearerToken: " tok \n" }).auth).toEqual({ kind: "bearer", header: "Bearer tok" });
  });

  it("validates retry, gzip and connection options", () => {
    expect(() => resolveTransportOptions({ retry: { attempts: Infinity } })).not.toThrow();
    const error = (() => {
      try {
        resolveTransportOptions({
          retry: { attempts: 1.5, jitter: 2, baseDelayMs: -1 },
          gzip: { level: 12 },
          maxConnections: 0,
          password: "x",
        });
      } catch (caught) {
        return caught as TransportConfigError;
      }
      return undefined;
    })();
    expect(error?.problems).toHaveLength(6);
    expect(error?.message).not.toContain('"x"');
  });
});
