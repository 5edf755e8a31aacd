import { parseConfig } from "../parse-config.ts";

const URL_LINE = "  datasource_url: http://vm:8428\n";

/** A writer section with a URL plus `extra` lines (each indented by two spaces). */
export const writerYaml = (...extra: string[]) => `writer:\n${URL_LINE}${extra.map((line) => `  ${line}\n`).join("")}`;

/** parseConfig without the file checks (the paths of these tests do not exist). */
export const parseUnchecked = (text: string) => parseConfig(text, { checkFiles: false });
