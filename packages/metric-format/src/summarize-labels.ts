/** `{__name__="x", a="b"}` for messages: at most `maxLabels` labels, long values shortened. */
export function summarizeLabels(labels: Readonly<Record<string, string>>, maxLabels = 12, maxValue = 64): string {
  const names = Object.keys(labels);
  const shown = names.slice(0, maxLabels).map((name) => {
    const value = labels[name] as string;
    const text = value.length > maxValue ? `${value.slice(0, maxValue)}…` : value;
    const shownName = name.length > maxValue ? `${name.slice(0, maxValue)}…` : name;
    return `${shownName}=${JSON.stringify(text)}`;
  });
  if (names.length > maxLabels) shown.push(`…${names.length - maxLabels} more`);
  return `{${shown.join(", ")}}`;
}
