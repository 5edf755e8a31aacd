/**
 * A bounded cache of groups (maps) in two generations, counted in group members: lookups promote
 * a group from the old generation into the new one; when the new one holds `capacity / 2` members
 * it becomes the old one and the old one is dropped. Recently used groups survive, at O(1) cost
 * and without reordering on every hit.
 */
export class GenerationalCache<Group extends Map<unknown, unknown>> {
  private current = new Map<string, Group>();
  private previous = new Map<string, Group>();
  private size = 0;
  private readonly half: number;
  private readonly create: () => Group;

  constructor(capacity: number, create: () => Group = () => new Map() as Group) {
    this.half = Math.max(1, Math.floor(capacity / 2));
    this.create = create;
  }

  /** The group for `key`, new and empty when not cached. */
  group(key: string): Group {
    let group = this.current.get(key);
    if (group) return group;
    group = this.previous.get(key);
    if (group) this.size += group.size;
    else group = this.create();
    this.current.set(key, group);
    this.rotateWhenFull();
    return group;
  }

  /** Count a member added to a group. */
  added(): void {
    this.size++;
    this.rotateWhenFull();
  }

  private rotateWhenFull(): void {
    if (this.size >= this.half) {
      this.previous = this.current;
      this.current = new Map();
      this.size = 0;
    }
  }
}
