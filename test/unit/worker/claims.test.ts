import { Claims } from '../../../src/worker/claims';
import { MemoryStore } from './fakes/memory-store';

const key = 'd/s/claim.json';

describe('Class: Claims', () => {
  const at = Date.parse('2026-01-01T00:00:00.000Z');
  const claims = (store: MemoryStore, worker: string, now = at) =>
    new Claims(store, worker, 60_000, () => now, 'sha-1');

  it('claims a free step for the TTL, recording the message it runs', async () => {
    const store = new MemoryStore();
    const outcome = await claims(store, 'a').acquire(key);
    expect(outcome.kind).toBe('claimed');
    expect(JSON.parse(store.text(key) ?? '{}')).toEqual({
      worker: 'a',
      claimedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T00:01:00.000Z',
      messageSha256: 'sha-1',
    });
  });

  it('reports a live claim of another worker as held, and leaves it', async () => {
    const store = new MemoryStore();
    await claims(store, 'b').acquire(key);
    const outcome = await claims(store, 'a', at + 59_000).acquire(key);
    expect(outcome).toMatchObject({ kind: 'held', by: { worker: 'b' } });
    expect(JSON.parse(store.text(key) ?? '{}').worker).toBe('b');
  });

  it('keeps its own claim: a retried conditional put whose first attempt landed', async () => {
    const store = new MemoryStore();
    const first = await claims(store, 'a').acquire(key);
    const again = await claims(store, 'a', at + 1000).acquire(key);
    expect(again).toEqual(first);
  });

  it('lets only one of two workers take over an expired claim', async () => {
    const store = new MemoryStore();
    await claims(store, 'dead').acquire(key);
    const later = at + 61_000;
    const [a, b] = await Promise.all([
      claims(store, 'a', later).acquire(key),
      claims(store, 'b', later).acquire(key),
    ]);
    expect([a.kind, b.kind].sort()).toEqual(['claimed', 'held']);
    const winner = a.kind === 'claimed' ? 'a' : 'b';
    expect(JSON.parse(store.text(key) ?? '{}').worker).toBe(winner);
  });

  it('renews only the version it wrote, never a successor’s claim', async () => {
    const store = new MemoryStore();
    const mine = claims(store, 'a');
    const claimed = await mine.acquire(key);
    const etag = claimed.kind === 'claimed' ? claimed.etag : '';
    const renewed = await mine.renew(key, etag);
    expect(renewed).toBeDefined();
    store.seed(key, { worker: 'b', claimedAt: '', expiresAt: '' });
    expect(await mine.renew(key, renewed ?? '')).toBeUndefined();
    expect(JSON.parse(store.text(key) ?? '{}').worker).toBe('b');
  });
});
