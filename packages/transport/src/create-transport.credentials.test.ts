import { inspect } from "node:util";
import { freePort } from "@anomaly-writer/test-stack";
import { describe, expect, it } from "vitest";
import { createTransport } from "./create-transport.ts";
import { TransportConfigError, type TransportError } from "./errors.ts";
import { createFakeClock } from "./testing/create-fake-clock.ts";
import { PASSWORD, SECRETS, TOKEN, URL_PASSWORD } from "./testing/test-secrets.ts";
import { useTransportKit } from "./testing/use-transport-kit.ts";
import type { TransportOptions } from "./transport-options.ts";

// Credentials (URL userinfo, basic, bearer, a caller's Authorization), option checks, and secrets kept out of every error.
const { leaks, peer, transport, infosFor } = useTransportKit();

describe("credentials", () => {
  it("moves URL userinfo into a basic Authorization header and never prints it", async () => {
    const server = await peer(({ response }) => response.writeHead(503).end("nope"));
    const clock = createFakeClock();
    const t = transport({ clock, retry: { attempts: 2 } });
    const url = server.url.replace("http://", `http://alice:${URL_PASSWORD}@`);
    const error = (await leaks.rejection(
      t.post(`${url}/api/v1/import?authKey=${URL_PASSWORD}`, "a"),
    )) as TransportError;
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`alice:${URL_PASSWORD}`).toString("base64")}`,
    );
    expect(server.requests[0]?.url).toBe(`/api/v1/import?authKey=${URL_PASSWORD}`);
    expect(error.url).toBe(`http://<redacted>@127.0.0.1:${server.port}/api/v1/import?authKey=<redacted>`);
    expect(error.message).not.toContain(URL_PASSWORD);
    expect(infosFor(`http://<redacted>@127.0.0.1:${server.port}`)).toHaveLength(2);
  });

  it("sends the transport's basic auth or bearer token; a request's own Authorization wins", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    await transport({ user: "writer", password: PASSWORD }).get(`${server.url}/a`);
    await transport({ bearerToken: TOKEN }).get(`${server.url}/b`);
    await transport({ bearerToken: TOKEN }).get(`${server.url}/c`, { headers: { Authorization: "Bearer other" } });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from(`writer:${PASSWORD}`).toString("base64")}`,
      `Bearer ${TOKEN}`,
      "Bearer other",
    ]);
  });

  it("scrubs every known secret a server echoes in an error body", async () => {
    const server = await peer(({ request, response }) => {
      response
        .writeHead(400)
        .end(`you sent ${String(request.headers.authorization)} / ${PASSWORD} / ${encodeURIComponent(PASSWORD)}`);
    });
    const error = (await leaks.rejection(
      transport({ user: "writer", password: PASSWORD }).post(`${server.url}/x`, "a"),
    )) as TransportError;
    expect(error.body).toBe("you sent Basic <redacted> / <redacted> / <redacted>");
    expect(error.message).toContain("you sent Basic <redacted>");
  });

  it("keeps Authorization out of every error of the request path, whatever it carries", async () => {
    const closing = await peer(({ socket }) => socket.destroy());
    const silent = await peer(() => {
      // never answer
    });
    const refused = `http://127.0.0.1:${await freePort()}`;
    const errors: unknown[] = [];
    for (const options of [
      { user: "writer", password: PASSWORD },
      { bearerToken: TOKEN },
    ] satisfies TransportOptions[]) {
      const t = transport({ ...options, clock: createFakeClock(), timeoutMs: 200, retry: { attempts: 1 } });
      errors.push(await leaks.rejection(t.post(`${closing.url}/x`, "a")));
      errors.push(await leaks.rejection(t.post(`${silent.url}/x`, "a")));
      errors.push(await leaks.rejection(t.post(`${refused}/x`, "a")));
      errors.push(
        await leaks.rejection(t.post(`${closing.url}/x`, "a", { headers: { Authorization: `Bearer ${TOKEN}` } })),
      );
      // A body source whose error carries the headers: the cause is replaced by a clean copy.
      errors.push(
        await leaks.rejection(
          t.post(`${silent.url}/x`, async function* () {
            yield "a";
            throw Object.assign(new Error("source broke"), {
              headers: { authorization: `Bearer ${TOKEN}`, password: PASSWORD },
            });
          }),
        ),
      );
    }
    expect(errors.map((e) => (e as TransportError).outcome)).toEqual([
      "connection_error",
      "timeout",
      "connection_error",
      "connection_error",
      "io_error",
      "connection_error",
      "timeout",
      "connection_error",
      "connection_error",
      "io_error",
    ]);
    for (const error of errors) {
      const printed = `${inspect(error, { depth: 20, showHidden: true })}\n${JSON.stringify(error)}`;
      expect(printed).not.toMatch(/authorization/i);
      for (const secret of SECRETS) expect(printed).not.toContain(secret);
    }
    expect((errors[0] as TransportError).message).toMatch(/other side closed|ECONNRESET|socket hang up/);
  });
});

describe("options", () => {
  it("rejects contradictory or unusable options, listing every problem", () => {
    let error: unknown;
    try {
      createTransport({
        bearerToken: TOKEN,
        bearerTokenFile: "/nonexistent/token",
        user: "u",
        tlsCertFile: "/nonexistent/cert.pem",
        verifyTls: "/nonexistent/ca.pem",
        timeoutMs: 0,
        retry: { attempts: 0 },
      });
    } catch (caught) {
      error = caught;
      leaks.record(caught);
    }
    expect(error).toBeInstanceOf(TransportConfigError);
    const problems = (error as TransportConfigError).problems.join("\n");
    expect(problems).toMatch(/bearerToken and bearerTokenFile are exclusive/);
    expect(problems).toMatch(/basic auth .* and a bearer token are exclusive/);
    expect(problems).toMatch(/tlsCertFile and tlsKeyFile .* go together/);
    expect(problems).toMatch(/verify_tls.*cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
    expect(problems).toMatch(/timeoutMs must be a positive/);
    expect(problems).toMatch(/retry\.attempts must be an integer >= 1/);
    expect(problems).not.toContain(TOKEN);
  });

  it("rejects a URL that is not http(s), without printing its credentials", async () => {
    const t = transport();
    const error = await leaks.rejection(t.get(`ftp://bob:${URL_PASSWORD}@example.com/x`));
    expect(error).toBeInstanceOf(TransportConfigError);
    expect(String(error)).toContain("ftp://<redacted>@example.com/x");
  });
});

describe("secrets", () => {
  it("never shows a password, token or basic credential in any error, message or hook info of this file", () => {
    expect(leaks.texts().length).toBeGreaterThan(20);
    expect(leaks.leaks(SECRETS)).toEqual([]);
  });
});
