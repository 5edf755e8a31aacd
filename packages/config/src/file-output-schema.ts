import { isAbsolute, resolve } from "node:path";
import * as v from "valibot";
import { ByteSizeSchema } from "./byte-size-schema.ts";
import { crossCheck } from "./cross-check.ts";
import { BooleanSchema } from "./queue-schema.ts";
import { integerSchema, sectionGuard, sectionMessage, TextSchema } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";

/** `writer.file` (ours): where `class: file` writes VictoriaMetrics JSON lines. */
export interface FileOutputConfig {
  /** Absolute path of the current file; rotated ones get `.1`, `.2`, ... */
  readonly path: string;
  /** Rotate when the file would grow past this; default 64 MiB. */
  readonly maxBytes: number;
  /** Rotated files kept besides the current one; default 5. */
  readonly maxFiles: number;
  /** fsync after every write; default true. */
  readonly fsync: boolean;
}

/** The `writer.file` section. */
export function createFileOutputSchema(context: SchemaContext) {
  const entries = { path: TextSchema, max_size: ByteSizeSchema, max_files: integerSchema(1), fsync: BooleanSchema };
  type FileInput = v.InferOutput<v.ObjectSchema<typeof entries, undefined>>;
  return v.pipe(
    sectionGuard(),
    v.object(entries, sectionMessage),
    crossCheck<FileInput>(["path"], (f, report) => {
      if (f.path === undefined)
        report("path", "is required when writer.file is present: the file to write JSON lines to");
    }),
    v.transform(
      (f): FileOutputConfig => ({
        path: isAbsolute(f.path ?? "") ? (f.path ?? "") : resolve(context.cwd, f.path ?? ""),
        maxBytes: f.max_size ?? 64 * 1024 * 1024,
        maxFiles: f.max_files ?? 5,
        fsync: f.fsync ?? true,
      }),
    ),
  );
}
