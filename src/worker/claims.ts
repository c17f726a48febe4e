import type { ClaimsStore } from '../store/claims-store';
import { withRetries } from './retry';

export interface Claim {
  worker: string;
  claimedAt: string;
  expiresAt: string;
  /** SHA-256 of the message the claiming worker runs: tells a re-used id from a duplicate. */
  messageSha256?: string;
}

export type ClaimOutcome = { kind: 'claimed'; etag: string } | { kind: 'held'; by: Claim };

/**
 * One claim object per step, written with a conditional put so that two workers that
 * received the same message cannot both start it. An expired claim (its worker crashed) is
 * taken over with `If-Match` on the stale version, so only one worker wins that race too.
 */
export class Claims {
  constructor(
    private readonly store: ClaimsStore,
    private readonly worker: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly messageSha256?: string
  ) {}

  private body(): string {
    const at = this.now();
    const claim: Claim = {
      worker: this.worker,
      claimedAt: new Date(at).toISOString(),
      expiresAt: new Date(at + this.ttlMs).toISOString(),
      ...(this.messageSha256 ? { messageSha256: this.messageSha256 } : {}),
    };
    return JSON.stringify(claim);
  }

  async acquire(key: string): Promise<ClaimOutcome> {
    const etag = await withRetries(() => this.store.putConditional(key, this.body(), {}));
    if (etag !== undefined) return { kind: 'claimed', etag };
    const current = await withRetries(() => this.store.getWithEtag(key, 64 * 1024));
    if (!current) return this.acquire(key);
    let claim: Claim;
    try {
      claim = JSON.parse(current.text) as Claim;
    } catch {
      claim = { worker: 'unknown', claimedAt: '', expiresAt: '' };
    }
    // Our own claim: a retried conditional put whose first attempt did land.
    if (claim.worker === this.worker) return { kind: 'claimed', etag: current.etag };
    const expires = Date.parse(claim.expiresAt);
    if (Number.isFinite(expires) && expires > this.now()) return { kind: 'held', by: claim };
    const took = await withRetries(() =>
      this.store.putConditional(key, this.body(), { ifMatch: current.etag })
    );
    return took !== undefined ? { kind: 'claimed', etag: took } : { kind: 'held', by: claim };
  }

  /**
   * Pushes the expiry forward while the step runs, only over the version this worker wrote:
   * returns the new ETag, or undefined when another worker has taken the claim over (never
   * overwritten).
   */
  renew(key: string, etag: string): Promise<string | undefined> {
    return this.store.putConditional(key, this.body(), { ifMatch: etag });
  }
}
