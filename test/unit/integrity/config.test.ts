import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { integrityFromConfig } from '../../../src/integrity/config';

/** Where the worker takes its trust store from: a packaged file, or a pinned store object. */
describe('integrityFromConfig trust store location', () => {
  const bytes = Buffer.from(JSON.stringify({ version: 'packaged-1', roots: [] }));
  const digest = createHash('sha256').update(bytes).digest('hex');
  let dir: string;
  let file: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tidepool-trust-'));
    file = path.join(dir, 'trust-store.json');
    writeFileSync(file, bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an absolute path from the file system even where store objects can be read (Lambda)', async () => {
    const asked: string[] = [];
    const { trustStore } = await integrityFromConfig(
      { TIDEPOOL_TRUST_STORE: file, TIDEPOOL_TRUST_STORE_DIGEST: digest },
      { readObject: (key) => (asked.push(key), Promise.resolve(undefined)) }
    );
    expect(trustStore?.version).toBe('packaged-1');
    expect(asked).toEqual([]);
  });

  it('refuses a packaged file whose digest differs from the pinned one', async () => {
    await expect(
      integrityFromConfig(
        { TIDEPOOL_TRUST_STORE: file, TIDEPOOL_TRUST_STORE_DIGEST: 'ab'.repeat(32) },
        { readObject: () => Promise.resolve(undefined) }
      )
    ).rejects.toThrow(/does not match the pinned/);
  });

  it('reads any other location as a store object, which needs a pinned digest', async () => {
    const asked: string[] = [];
    const readObject = (key: string) => (asked.push(key), Promise.resolve(bytes));
    await expect(
      integrityFromConfig({ TIDEPOOL_TRUST_STORE: 'config/trust-store.json' }, { readObject })
    ).rejects.toThrow(/needs TIDEPOOL_TRUST_STORE_DIGEST/);
    const { trustStore } = await integrityFromConfig(
      { TIDEPOOL_TRUST_STORE: 'config/trust-store.json', TIDEPOOL_TRUST_STORE_DIGEST: digest },
      { readObject }
    );
    expect(asked).toEqual(['config/trust-store.json']);
    expect(trustStore?.digest).toBe(`sha256:${digest}`);
  });
});

describe('integrityFromConfig policy and mode', () => {
  const decision = async (env: Record<string, string>) => {
    const { check } = await integrityFromConfig(env);
    const verdict = await check({
      syntax: 'bash',
      script: { text: 'echo hi', origin: 'store', key: 'inputs/x.sh' },
      modules: [],
    });
    return { policy: verdict.report?.policy, enforcement: verdict.report?.enforcement };
  };

  it('enforces a named policy unless the mode says Audit; names are read in any case', async () => {
    await expect(decision({ TIDEPOOL_INTEGRITY_POLICY: ' allsigned ' })).resolves.toStrictEqual({
      policy: 'AllSigned',
      enforcement: 'Enforce',
    });
    await expect(
      decision({ TIDEPOOL_INTEGRITY_POLICY: 'AllSigned', TIDEPOOL_INTEGRITY_MODE: 'audit' })
    ).resolves.toStrictEqual({ policy: 'AllSigned', enforcement: 'Audit' });
  });

  it('says which setting names an unknown value, and the choices', async () => {
    await expect(integrityFromConfig({ TIDEPOOL_INTEGRITY_POLICY: 'Sometimes' })).rejects.toThrow(
      "TIDEPOOL_INTEGRITY_POLICY must be one of Unrestricted, RemoteSigned, AllSigned, Restricted, got 'Sometimes'"
    );
    await expect(integrityFromConfig({ TIDEPOOL_INTEGRITY_MODE: 'Loud' })).rejects.toThrow(
      "TIDEPOOL_INTEGRITY_MODE must be one of Audit, Enforce, got 'Loud'"
    );
  });
});
