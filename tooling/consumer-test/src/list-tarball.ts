import { gunzipSync } from "node:zlib";

const BLOCK = 512;

/** Read a NUL-terminated field of a tar header. */
function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString("utf8");
}

/**
 * The paths of the regular files in an npm tarball (gzipped ustar, as npm and pnpm pack it),
 * e.g. `package/dist/index.mjs`. PAX extended headers (long names) are honoured.
 */
export function listTarball(tgz: Buffer): string[] {
  const tar = gunzipSync(tgz);
  const files: string[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const size = Number.parseInt(field(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] ?? 48);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    if (type === "x") {
      longName = /\d+ path=([^\n]*)\n/.exec(body.toString("utf8"))?.[1];
    } else {
      const prefix = field(header, 345, 155);
      const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
      if (type === "0" || type === "\0") files.push(name);
      longName = undefined;
    }
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files.sort();
}
