/**
 * A HyperLogLog for the embedded store (Redis has its own): 2^14 one-byte registers (16 KiB per
 * key, ~0.8% standard error, like Redis), so memory stays bounded however many visitors arrive.
 */
const P = 14;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/** 64 bits of hash as two 32-bit halves: FNV-1a per half with different seeds, then a murmur3 finalizer. */
function hash64(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [fmix(a), fmix(b ^ a)];
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class HyperLogLog {
  readonly registers = new Uint8Array(M);

  add(value: string): void {
    const [hi, lo] = hash64(value);
    const index = hi >>> (32 - P);
    // Rank: position of the first 1 bit in the remaining 50 bits (18 from hi, 32 from lo).
    const rest = (hi << P) >>> 0;
    const rank = rest !== 0 ? Math.clz32(rest) + 1 : 32 - P + (lo !== 0 ? Math.clz32(lo) + 1 : 33);
    if (rank > this.registers[index]) this.registers[index] = rank;
  }

  /** Estimated distinct count of the union of `sketches`. */
  static count(sketches: HyperLogLog[]): number {
    if (sketches.length === 0) return 0;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      let r = 0;
      for (const s of sketches) if (s.registers[i] > r) r = s.registers[i];
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = (ALPHA * M * M) / sum;
    // Small ranges: linear counting is exact-ish where the raw estimate is biased.
    return Math.round(raw <= 2.5 * M && zeros > 0 ? M * Math.log(M / zeros) : raw);
  }
}
