/**
 * Orders strings as their UTF-8 bytes compare (Go's string order, which Prometheus uses for label
 * names), where JavaScript's default compares UTF-16 code units: they differ when a character
 * above U+FFFF meets one in U+E000..U+FFFF.
 */
export function compareLabelNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // Surrogates (code points above U+FFFF) sort after U+E000..U+FFFF in UTF-8.
        x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
        y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}
