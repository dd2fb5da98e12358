import { expect, it } from 'vitest';
import { slidingSums } from './stats-query';

it('turns minute panes into sliding window sums', () => {
  const r = slidingSums({ groupBy: 'module', granularity: 'minute', from: 0, to: 5, series: [{ key: 'news', points: [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]] }] }, 3);
  expect(r.series[0].points).toEqual([[0, 1], [1, 3], [2, 6], [3, 9], [4, 12]]);
  expect(() => slidingSums(r, 0)).toThrowError(expect.objectContaining({ code: 'invalid_stats_query' }));
});
