/** RESULTS.md of a full run: the command, the machine, the result table and where the CPU went. */
export function renderSummary(
  table: string,
  cpuTable: string,
  notes: readonly string[],
  command: string,
  machine: { cpus: number; cpuModel: string; node: string; victoriaMetrics: string },
  seconds: number,
  date: string,
): string {
  return `# Benchmark results

Produced by \`${command}\` (from the repository root) on ${date.slice(0, 10)}: ${machine.cpus} cores
(${machine.cpuModel}), Node ${machine.node}, VictoriaMetrics ${machine.victoriaMetrics}; ${seconds.toFixed(0)} s in all.
Every figure is a ratio against a baseline measured in the same run on the same local
VictoriaMetrics; rates are the best of 3 attempts, each attempt read back from VictoriaMetrics
(datapoint and series counts of its time range, and one series value by value). How each
benchmark is measured: [README.md](README.md); why targets are missed and what would reach
them, measured: [ANALYSIS.md](ANALYSIS.md).

${table}
${notes.length > 0 ? `\nNotes:\n\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}
Where the CPU goes in the end-to-end runs (median of the attempts, CPU seconds of the client
process and of VictoriaMetrics during each attempt; ${machine.cpus} cores to share):

${cpuTable}
`;
}
