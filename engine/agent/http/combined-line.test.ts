import { describe, expect, it } from 'vitest';
import { parseCombined } from '../../processor/parse/formats';
import { apacheTime, escapeLogField, formatCombinedLine } from './combined-line';

describe('combined line for a page view', () => {
  it('writes Apache time in UTC', () => {
    expect(apacheTime(Date.UTC(2024, 0, 5, 3, 4, 5))).toBe('05/Jan/2024:03:04:05 +0000');
  });

  it('escapes like Apache, - when empty', () => {
    expect(escapeLogField('')).toBe('-');
    expect(escapeLogField(undefined)).toBe('-');
    expect(escapeLogField('plain 中文 😀')).toBe('plain 中文 😀');
    expect(escapeLogField('a"b\\c\td\u007f')).toBe('a\\"b\\\\c\\x09d\\x7f');
    expect(escapeLogField('lone \ud800 surrogate')).toBe('lone ? surrogate');
  });

  it('always parses back, whatever the browser sent (seeded random strings)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['"', '\\', ' ', '\n', '\r', '\t', '[', ']', '-', 'a', 'Z', '0', '中', '😀', '\ud83d', '%', '/', '?'];
    const randomText = () => Array.from({ length: Math.floor(rnd() * 40) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    for (let i = 0; i < 500; i++) {
      const ua = randomText();
      const referrer = randomText();
      const target = `/${randomText()}`;
      const line = formatCombinedLine({ ip: '198.51.100.4', time: 1_700_000_000_000, target, referrer, userAgent: ua });
      expect(line).not.toMatch(/[\n\r]/);
      const parsed = parseCombined(line);
      expect(parsed.ok, line).toBe(true);
      if (parsed.ok) {
        expect(parsed.visit.ip).toBe('198.51.100.4');
        expect(parsed.visit.ua).toBe(escapeLogField(ua));
        expect(parsed.visit.referrer).toBe(escapeLogField(referrer));
        expect(parsed.visit.path).not.toMatch(/[\s"]/);
      }
    }
  });
});
