import { readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPositionFile, loadPositionFile, parsePositionFile, writePositionFile } from './position-file';
import { testEnv, tmpDir } from './test-harness';

const fixture = readFileSync(path.join(__dirname, 'fixtures', 'flume-taildir_position.json'), 'utf8');
const t = tmpDir('posfile');
afterAll(() => t.cleanup());

describe('position file', () => {
  it('reads the file Apache Flume writes, inodes digit for digit', () => {
    expect(parsePositionFile(fixture)).toEqual([
      { inode: '2496001', pos: 1234, file: '/var/log/nginx/access.log' },
      { inode: '2496007', pos: 0, file: '/var/log/nginx/error.log' },
      { inode: '9007199254740993', pos: 88, file: '/var/log/app/app=blue.log' },
    ]);
  });

  it('writes Flume\'s three keys first, in Flume\'s layout, and reads its own extras back', () => {
    const entries = [{ inode: '9007199254740993', pos: 5, file: '/a "b".log', dev: '2049', base: 100, fp: '0123456789abcdef', cur: 300 }];
    const text = formatPositionFile(entries);
    expect(text).toBe('[{"inode":9007199254740993,"pos":5,"file":"/a \\"b\\".log","dev":2049,"base":100,"fp":"0123456789abcdef","cur":300}]');
    expect(parsePositionFile(text)).toEqual(entries);
  });

  it.each([
    ['', 'empty'],
    ['[{"inode":1,"pos":2,"file":"/x"}', 'not valid JSON'],
    ['{"inode":1}', 'not a JSON array'],
    ['[{"inode":1,"file":"/x"}]', 'entry 0 has no non-negative integer "pos"'],
    ['[{"inode":"abc","pos":1,"file":"/x"}]', 'entry 0 has no numeric "inode"'],
    ['[{"inode":1,"pos":-3,"file":"/x"}]', '"pos"'],
  ])('rejects %j: %s', (text, why) => {
    expect(() => parsePositionFile(text)).toThrow(why);
  });

  it('moves a corrupt file aside with a warning naming it and the problem, and starts without positions', async () => {
    const file = path.join(t.dir, 'corrupt.json');
    writeFileSync(file, '[{"inode":12,"pos":3');
    const { env, logs } = testEnv(t.dir);
    expect(await loadPositionFile(file, env.log)).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(t.dir).some((n) => n.startsWith('corrupt.json.corrupt-'))).toBe(true);
    expect(logs).toHaveLength(1);
    expect(logs[0].level).toBe('warn');
    expect(logs[0].message).toContain(file);
    expect(logs[0].message).toContain('not valid JSON');
  });

  it('treats a missing file as no positions, silently', async () => {
    const { env, logs } = testEnv(t.dir);
    expect(await loadPositionFile(path.join(t.dir, 'nope.json'), env.log)).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('writes atomically, creating the folder', async () => {
    const file = path.join(t.dir, 'sub', 'pos.json');
    await writePositionFile(file, [{ inode: '7', pos: 9, file: '/x' }]);
    expect(readFileSync(file, 'utf8')).toBe('[{"inode":7,"pos":9,"file":"/x"}]');
    expect(readdirSync(path.dirname(file))).toEqual(['pos.json']);
  });
});
