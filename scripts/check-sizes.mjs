#!/usr/bin/env node
// The size rules of house-style.md, checked on every source file tracked by git (tests excluded
// from the function rules, included in the file rule):
// - no source file over 400 lines;
// - no function longer than 80 lines of its own (lines of nested functions do not count);
// - no factory (a function that returns closures) holding more than 200 lines of closures.
// Usage: node scripts/check-sizes.mjs [--report]   (--report lists the largest even when all pass)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ts = require("typescript");
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const MAX_CLOSURE_LINES = 200;

const root = new URL("..", import.meta.url).pathname;
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mjs"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => f && !f.includes("node_modules/") && !f.endsWith(".d.ts"));

const isFunction = (node) =>
  ts.isFunctionDeclaration(node) ||
  ts.isFunctionExpression(node) ||
  ts.isArrowFunction(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isGetAccessor(node) ||
  ts.isSetAccessor(node) ||
  ts.isConstructorDeclaration(node);

const problems = [];
const sizes = [];
for (const file of files) {
  const text = readFileSync(`${root}${file}`, "utf8");
  const lineCount = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  if (lineCount > MAX_FILE_LINES) problems.push(`${file}: ${lineCount} lines (at most ${MAX_FILE_LINES})`);
  if (/\.test\.ts$|\/testing\//.test(file)) continue;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line;
  const span = (node) => lineOf(node.getEnd()) - lineOf(node.getStart(source)) + 1;
  const visit = (node, owner) => {
    if (isFunction(node) && node.body) {
      let nested = 0;
      let closures = 0;
      const collect = (child) => {
        if (isFunction(child) && child.body) {
          const lines = span(child);
          nested += lines;
          closures += lines;
          return;
        }
        ts.forEachChild(child, collect);
      };
      ts.forEachChild(node.body, collect);
      const own = span(node) - nested;
      const name = node.name?.getText(source) ?? (owner ? `${owner} (anonymous)` : "(anonymous)");
      const where = `${file}:${lineOf(node.getStart(source)) + 1} ${name}`;
      sizes.push({ where, own, closures });
      if (own > MAX_FUNCTION_LINES) problems.push(`${where}: ${own} lines of its own (at most ${MAX_FUNCTION_LINES})`);
      if (closures > MAX_CLOSURE_LINES)
        problems.push(`${where}: ${closures} lines of closures (at most ${MAX_CLOSURE_LINES})`);
      ts.forEachChild(node.body, (child) => visit(child, name));
      return;
    }
    const name = ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node) ? node.name.getText(source) : owner;
    ts.forEachChild(node, (child) => visit(child, name));
  };
  visit(source, undefined);
}

if (process.argv.includes("--report")) {
  for (const s of sizes.sort((a, b) => b.own - a.own).slice(0, 15))
    console.log(`${String(s.own).padStart(4)} own ${String(s.closures).padStart(4)} closures  ${s.where}`);
}
if (problems.length > 0) {
  console.error(`${problems.length} size problem(s):\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(
  `sizes: ${files.length} files within ${MAX_FILE_LINES} lines, functions within ${MAX_FUNCTION_LINES}, factories within ${MAX_CLOSURE_LINES} lines of closures`,
);
