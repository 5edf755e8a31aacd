/**
 * A 53-bit hash of a label set that does not depend on the order of its keys (cyrb53 over the
 * sorted names and values). Used to warn once per label set without keeping the label sets.
 */
export function hashLabelSet(labels: Readonly<Record<string, string>>): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (code: number) => {
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  };
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name] as string;
    for (let i = 0; i < name.length; i++) mix(name.charCodeAt(i));
    mix(0x10000); // separators outside the UTF-16 range keep "ab"+"c" apart from "a"+"bc"
    for (let i = 0; i < value.length; i++) mix(value.charCodeAt(i));
    mix(0x10001);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

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
