/**
 * A bounded cache that evicts (approximately) the least recently used entries, at most `max`.
 *
 * Two generations of max/2 entries each: new and touched entries go to the young one; when it is
 * full it becomes the old one and the previous old one is dropped whole. A hit in the young
 * generation is a single Map lookup (no delete/re-insert), which matters on the hot path where
 * nearly every lookup hits (a few dozen user agents over millions of visits).
 */
export class Lru<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;

  constructor(private readonly max: number) {
    this.half = Math.max(1, Math.floor(max / 2));
  }

  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) {
      this.old.delete(key);
      this.promote(key, o);
    }
    return o;
  }

  set(key: K, value: V): void {
    if (this.max <= 0) return;
    this.old.delete(key);
    if (this.young.has(key)) this.young.set(key, value);
    else this.promote(key, value);
  }

  private promote(key: K, value: V): void {
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
    // With an odd max the two generations may hold one more than max: trim the oldest.
    if (this.old.size + this.young.size > this.max) this.old.delete(this.old.keys().next().value as K);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}
