import { DEFAULT_CONFIG } from '../../../src/pipeline/config';

describe('the default limits', () => {
  it('are positive safe integers (a shift past 31 bits is negative)', () => {
    for (const [name, value] of Object.entries(DEFAULT_CONFIG.limits)) {
      expect([name, Number.isSafeInteger(value) && value > 0]).toStrictEqual([name, true]);
    }
  });
});
