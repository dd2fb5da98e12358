import { describe, expect, it } from 'vitest';
import { compileDateFormat, daysFromCivil, newDateParts, datePartsToEpoch } from './date-format';

const utc = (...a: [number, number, number?, number?, number?, number?, number?]) => Date.UTC(...a);

describe('dateFormat', () => {
  it.each([
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/2000:13:55:36 -0700', utc(2000, 9, 10, 20, 55, 36)],
    ['%d/%b/%Y:%H:%M:%S %z', '01/Jan/2024:08:00:00 +0800', utc(2024, 0, 1, 0, 0, 0)],
    ['%d/%b/%Y:%H:%M:%S %z', '01/jan/2024:08:00:00 +0530', utc(2024, 0, 1, 2, 30, 0)],
    ['%Y-%m-%dT%H:%M:%S%z', '2024-03-05T06:07:08+08:00', utc(2024, 2, 4, 22, 7, 8)],
    ['%Y-%m-%dT%H:%M:%S%z', '2024-03-05T06:07:08Z', utc(2024, 2, 5, 6, 7, 8)],
    ['%Y-%m-%dT%H:%M:%S%z', '2024-03-05T06:07:08+08', utc(2024, 2, 4, 22, 7, 8)],
    ['%Y-%m-%d %H:%M:%S', '2024-03-05 06:07:08', utc(2024, 2, 5, 6, 7, 8)],
    ['%Y-%m-%d %H:%M:%S.%f', '2024-03-05 06:07:08.123456', utc(2024, 2, 5, 6, 7, 8, 123)],
    ['%Y-%m-%d %H:%M:%S.%f', '2024-03-05 06:07:08.5', utc(2024, 2, 5, 6, 7, 8, 500)],
    ['%s', '1704067200', utc(2024, 0, 1)],
    ['%s', '1704067200.123', utc(2024, 0, 1, 0, 0, 0, 123)],
    ['%m/%d/%y %H:%M', '03/05/24 06:07', utc(2024, 2, 5, 6, 7)],
    ['%D %T', '03/05/99 06:07:08', utc(1999, 2, 5, 6, 7, 8)],
    ['%F %R', '2024-03-05 06:07', utc(2024, 2, 5, 6, 7)],
    ['%a, %e %B %Y %H:%M:%S %Z', 'Tue,  5 March 2024 06:07:08 GMT', utc(2024, 2, 5, 6, 7, 8)],
    ['%b %e %H:%M:%S %Y', 'Mar 15 06:07:08 2024', utc(2024, 2, 15, 6, 7, 8)],
    ['%d/%b/%Y:%I:%M:%S %p', '05/Mar/2024:12:07:08 AM', utc(2024, 2, 5, 0, 7, 8)],
    ['%d/%b/%Y:%I:%M:%S %p', '05/Mar/2024:01:07:08 pm', utc(2024, 2, 5, 13, 7, 8)],
    ['%Y-%m-%d', '2024-02-29', utc(2024, 1, 29)],
    ['100%% %Y', '100% 2024', utc(2024, 0, 1)],
  ])('%s reads %j', (format, text, expected) => {
    expect(compileDateFormat(format).parse(text)).toBe(expected);
  });

  it.each([
    ['%d/%b/%Y:%H:%M:%S %z', '99/Foo/2000:13:55:36 -0700'],
    ['%d/%b/%Y:%H:%M:%S %z', '31/Feb/2024:00:00:00 +0000'],
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/2000:25:55:36 -0700'],
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/2000:13:55:36'],
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/2000:13:55:36 -0700 trailing'],
    ['%d/%b/%Y:%H:%M:%S %z', '1\uFFFD/Oct/2000:13:55:36 -0700'],
    ['%d/%b/%Y:%H:%M:%S %z', '10/O\uFFFDt/2000:13:55:36 -0700'],
    ['%d/%b/%Y:%H:%M:%S %z', ''],
    ['%Y-%m-%d', '2023-02-29'],
    ['%Y-%m-%d', '24-02-01'],
    ['%s', 'soon'],
    ['%Y-%m-%dT%H:%M:%S%z', '2024-03-05T06:07:08+25:00'],
    ['%H:%M:%S %Z', '06:07:08 CEST'],
  ])('%s refuses %j', (format, text) => {
    expect(compileDateFormat(format).parse(text)).toBeNaN();
  });

  it('reads a slice of a longer string without copying it', () => {
    const line = 'x [10/Oct/2000:13:55:36 -0700] y';
    expect(compileDateFormat('%d/%b/%Y:%H:%M:%S %z').parse(line, 3, 29)).toBe(utc(2000, 9, 10, 20, 55, 36));
  });

  it('reads a date and a time from two fields into one set of parts', () => {
    const parts = newDateParts();
    expect(compileDateFormat('%d/%b/%Y').read('10/Oct/2000', 0, 11, parts)).toBe(true);
    expect(compileDateFormat('%H:%M:%S').read('13:55:36', 0, 8, parts)).toBe(true);
    expect(datePartsToEpoch(parts)).toBe(utc(2000, 9, 10, 13, 55, 36));
  });

  it('knows whether it reads a time of day', () => {
    expect(compileDateFormat('%d/%b/%Y').hasTime).toBe(false);
    expect(compileDateFormat('%d/%b/%Y:%H:%M:%S %z').hasTime).toBe(true);
    expect(compileDateFormat('%s').hasTime).toBe(true);
  });

  it.each([
    ['%d/%b/%Q', /unknown specifier %Q at column 7; supported: %d/],
    ['%Y-%m-%', /"%" at column 7 ends the format/],
    ['', /empty/],
  ])('refuses to compile %j', (format, message) => {
    expect(() => compileDateFormat(format)).toThrow(message);
  });

  it('counts days like Date.UTC, across eras', () => {
    for (const [y, m, d] of [[1970, 1, 1], [1969, 12, 31], [2000, 2, 29], [2100, 3, 1], [1600, 1, 1], [9999, 12, 31]]) {
      expect(daysFromCivil(y, m, d) * 86_400_000).toBe(Date.UTC(y, m - 1, d));
    }
  });
});
