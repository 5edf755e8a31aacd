import { listTarball } from "./list-tarball.ts";
import type { PublishedManifest, VerdaccioServer } from "./start-verdaccio.ts";

/** What a published tarball may hold: the manifest, the three documents and the build. */
const ALLOWED = /^package\/(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/.+)$/;
const REQUIRED = ["package.json", "README.md", "LICENSE", "CHANGELOG.md"];

/** The exports a library's published manifest must carry (publishConfig swaps them in). */
export const LIBRARY_EXPORTS = {
  ".": {
    import: { types: "./dist/index.d.mts", default: "./dist/index.mjs" },
    require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
  },
  "./package.json": "./package.json",
};

/** Every file path a manifest points to: main, module, types, bin and the leaves of exports. */
function manifestTargets(manifest: PublishedManifest): string[] {
  const targets: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string") targets.push(value);
    else if (value && typeof value === "object") for (const inner of Object.values(value)) walk(inner);
  };
  walk([manifest.main, manifest.module, manifest.types, manifest.bin, manifest.exports]);
  return targets.map((target) => target.replace(/^\.\//, ""));
}

/**
 * One published version checked from the registry's side: its tarball's files and its manifest.
 * Answers the problems found, one line each (none: []). Key order of `exports` matters (`types` first).
 */
export async function checkPublished(
  registry: VerdaccioServer,
  name: string,
  version: string,
  scope: string,
): Promise<string[]> {
  const packument = await registry.packument(name);
  const manifest = packument.versions[version];
  if (!manifest)
    return [
      `${name}: version ${version} is not in the registry (it has ${Object.keys(packument.versions).join(", ")})`,
    ];
  const files = listTarball(await registry.tarball(manifest.dist.tarball));
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${name}: ${message}`);
  for (const file of files) if (!ALLOWED.test(file)) fail(`ships ${file}`);
  for (const file of REQUIRED) if (!files.includes(`package/${file}`)) fail(`does not ship ${file}`);
  for (const target of manifestTargets(manifest))
    if (!files.includes(`package/${target}`)) fail(`points to ${target}, which it does not ship`);
  if (packument["dist-tags"].latest !== version) fail(`latest is ${packument["dist-tags"].latest}`);
  if (manifest.private) fail("is private");
  if (manifest.license !== "Apache-2.0") fail(`license is ${manifest.license}`);
  if (!manifest.engines?.node) fail("has no engines.node");
  for (const [dependency, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (range.startsWith("workspace:") || range.startsWith("catalog:")) fail(`depends on ${dependency}@${range}`);
  }
  if (manifest.bin) {
    const ours = Object.keys(manifest.dependencies ?? {}).filter((dependency) => dependency.startsWith(`${scope}/`));
    if (ours.length > 0) fail(`bundles the libraries but lists ${ours.join(", ")}`);
  } else if (JSON.stringify(manifest.exports) !== JSON.stringify(LIBRARY_EXPORTS)) {
    fail(`exports ${JSON.stringify(manifest.exports)}`);
  }
  return problems;
}
