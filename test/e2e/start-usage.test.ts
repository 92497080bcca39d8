import { describe, expect, it } from 'vitest';
import { npmStart } from '../helpers/npm-start.ts';

// `npm start` refuses what it cannot run before it starts anything (exit 2, a usage error).
describe('npm start', () => {
  it('says that MySQL needs a server, and how to get one, when --engine mysql has no --database-url', async () => {
    const { code, stderr } = await npmStart(['--engine', 'mysql']);
    expect(code).toBe(2);
    expect(stderr).toContain('MySQL needs a server');
    expect(stderr).toContain('apt-get install -y --no-install-recommends mariadb-server');
    expect(stderr).toContain('--engine mysql --database-url mysql://');
  });

  it('refuses an engine the URL does not speak, and an unknown engine or source', async () => {
    const mismatch = await npmStart([
      '--engine',
      'mysql',
      '--database-url',
      'postgres://u:secret@127.0.0.1:1/db',
    ]);
    expect([mismatch.code, mismatch.stderr]).toEqual([2, expect.stringContaining('needs a mysql:// URL')]);
    expect(mismatch.stderr).not.toContain('secret');
    expect((await npmStart(['--engine', 'oracle'])).code).toBe(2);
    expect((await npmStart(['--source', 'live-cluster'])).code).toBe(2);
  });

  it('takes 1 to 5 accounts, for snapshot sources only, and says so in its usage', async () => {
    for (const args of [
      ['--accounts', '6'],
      ['--accounts', '0'],
      ['--accounts', '2', '--source', 'graph'],
      ['--accounts', '2', '--source', 'cluster'],
      ['--accounts', '2', '--serve'],
    ]) {
      const { code, stderr } = await npmStart(args);
      expect([args.join(' '), code]).toEqual([args.join(' '), 2]);
      expect(stderr).toContain('--accounts N (1-5; snapshot sources only, not with --serve)');
    }
  });

  it('takes another Region the local policy has a bucket and key for, for snapshot sources only', async () => {
    for (const args of [
      ['--regions', 'eu-north-9'],
      ['--regions', 'us-west-2', '--source', 'graph'],
      ['--regions', 'us-west-2', '--serve'],
    ]) {
      const { code, stderr } = await npmStart(args);
      expect([args.join(' '), code]).toEqual([args.join(' '), 2]);
      expect(stderr).toContain('--regions us-west-2 (snapshot sources only, not with --serve)');
    }
  });
});
