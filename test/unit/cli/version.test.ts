import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packageVersion } from '../../../src/cli/main';

describe('packageVersion', () => {
  it('reads the version of the nearest tidepool package.json above, skipping others', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tidepool-version-'));
    writeFileSync(
      path.join(root, 'package.json'),
      JSON.stringify({ name: 'tidepool', version: '9.8.7' })
    );
    const inner = path.join(root, 'dist', 'src', 'cli');
    mkdirSync(inner, { recursive: true });
    writeFileSync(
      path.join(root, 'dist', 'package.json'),
      JSON.stringify({ name: 'other', version: '1.0.0' })
    );
    expect(packageVersion(inner)).toBe('9.8.7');
  });
});
