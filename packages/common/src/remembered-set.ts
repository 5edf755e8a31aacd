/** A set of recently seen keys that forgets the oldest ones beyond `max` (bounded memory). */
export class RememberedSet {
  private readonly keys = new Set<number>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Remember `key`; true when it was not remembered yet. */
  add(key: number): boolean {
    if (this.keys.has(key)) return false;
    if (this.keys.size >= this.max) {
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    this.keys.add(key);
    return true;
  }
}
