import { delimiter, sep } from "node:path";

// Set by the pnpm/vitest that run this suite, not by the user: a consumer must not see them.
// NODE_PATH (pnpm's bin shims set it to the workspace's hoisted node_modules) would let
// require() find packages the consumer never installed.
const RUNNER_ONLY =
  /^(NODE_PATH|NODE_OPTIONS|NODE_ENV|VITEST.*|TEST|INIT_CWD|PNPM_.*|pnpm_config_.*|npm_(lifecycle|package)_.*|npm_(command|execpath|node_execpath)|npm_config_(user_agent|verify_deps_before_run|node_gyp))$/;

/**
 * The environment of a user's shell: this process's, without what pnpm and vitest added (their
 * variables, and the workspace's node_modules/.bin directories on PATH). `pathFirst` goes in
 * front of PATH (e.g. another Node's bin directory). The user's own npm settings (npmrc files,
 * `npm_config_*` such as a registry mirror) stay.
 */
export function consumerEnv(extra: Readonly<Record<string, string>> = {}, pathFirst?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!RUNNER_ONLY.test(name)) env[name] = value;
  const path = (env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
    .split(delimiter)
    .filter((dir) => dir !== "" && !dir.includes(`${sep}node_modules${sep}`));
  env.PATH = [...(pathFirst ? [pathFirst] : []), ...path].join(delimiter);
  return { ...env, ...extra };
}
