/** The tsconfig files of the consumer project: strict, skipLibCheck false; nodenext, and bundler resolution with esnext and preserve. */
export function typescriptConfigs(): Record<string, string> {
  const strict = {
    strict: true,
    skipLibCheck: false,
    target: "es2022",
    types: ["node"],
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
  };
  const config = (options: object, include: string[]) =>
    `${JSON.stringify({ compilerOptions: { ...strict, ...options }, include }, null, 2)}\n`;
  return {
    "tsconfig.nodenext.json": config(
      { module: "nodenext", moduleResolution: "nodenext", rootDir: "ts", outDir: "out/ts" },
      ["ts"],
    ),
    "tsconfig.bundler-esnext.json": config({ module: "esnext", moduleResolution: "bundler", noEmit: true }, [
      "ts/main.ts",
      "ts/every-library.ts",
    ]),
    "tsconfig.bundler-preserve.json": config({ module: "preserve", moduleResolution: "bundler", noEmit: true }, [
      "ts/main.ts",
      "ts/every-library.ts",
    ]),
  };
}
