import { describe, expect, it } from 'vitest';
import { parseFilegroupPath } from './pattern';
import { taildirSpec } from './spec';

const parse = (config: Record<string, unknown>) => taildirSpec.config.safeParse(config);
const messages = (config: Record<string, unknown>) => {
  const r = parse(config);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('source.taildir spec', () => {
  it('fills Flume\'s defaults', () => {
    const r = parse({ filegroups: { f1: '/var/log/nginx/access\\.log' } });
    expect(r.success && r.data).toMatchObject({
      positionFile: '',
      batchSize: 100,
      skipToEnd: false,
      idleTimeout: 120_000,
      writePosInterval: 3_000,
      fileHeader: false,
      fileHeaderKey: 'file',
      headers: {},
      pollInterval: 250,
      maxLineLength: 65_536,
      lineTooLong: 'truncate',
      'selector.type': 'replicating',
    });
    expect(taildirSpec.inputs).toEqual([]);
    expect(taildirSpec.outputs).toEqual([{ name: 'out', kind: 'event' }]);
  });

  it.each([
    [{}, 'filegroups: add at least one file group'],
    [{ filegroups: { f1: 'logs/a.log' } }, 'filegroups.f1: "logs/a.log" is not absolute'],
    [{ filegroups: { f1: '/var/*/a.log' } }, 'only the file name may be a pattern'],
    [{ filegroups: { f1: '/var/log/*.log' } }, 'is not a valid regular expression'],
    [{ filegroups: { 'f 1': '/var/log/a.log' } }, 'may only use letters'],
    [{ filegroups: { f1: '/var/log/a.log' }, headers: { f2: { a: 'b' } } }, 'headers.f2: headers for "f2", which is not a file group'],
    [{ filegroups: { f1: '/var/log/a.log' }, positionFile: 'pos.json' }, 'must be an absolute path'],
  ])('rejects %j saying what to change', (config, message) => {
    expect(messages(config).join('\n')).toContain(message);
  });

  it('matches file names as Flume does (whole-name regex) and as a glob with glob:', () => {
    const re = parseFilegroupPath('/var/log/app/.*\\.log');
    const glob = parseFilegroupPath('/var/log/app/glob:*.{log,txt}');
    const exact = parseFilegroupPath('/var/log/nginx/access\\.log');
    if (!re.ok || !glob.ok || !exact.ok) throw new Error('should parse');
    expect(re.dir).toBe('/var/log/app');
    expect(['a.log', 'a.log.1', 'b.txt'].map(re.matches)).toEqual([true, false, false]);
    expect(['a.log', 'a.txt', 'a.log.1', '.log'].map(glob.matches)).toEqual([true, true, false, true]);
    expect(['access.log', 'access.log.1', 'xaccess.log'].map(exact.matches)).toEqual([true, false, false]);
  });
});
