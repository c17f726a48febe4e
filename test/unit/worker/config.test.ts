import { ConfigError, loadConfig } from '../../../src/worker/config';

const base = { TIDEPOOL_BUCKET: 'b' };

describe('loadConfig: retries and run time', () => {
  it('defaults to 5 s doubling up to 15 min, and a 30 s minimum run', () => {
    const config = loadConfig(base);
    expect(config.retryBaseSeconds).toBe(5);
    expect(config.retryMaxSeconds).toBe(900);
    expect(config.minRunSeconds).toBe(30);
  });

  it('takes the settings from the environment', () => {
    const config = loadConfig({
      ...base,
      TIDEPOOL_RETRY_BASE_SECONDS: '2',
      TIDEPOOL_RETRY_MAX_SECONDS: '60',
      TIDEPOOL_MIN_RUN_SECONDS: '10',
    });
    expect([config.retryBaseSeconds, config.retryMaxSeconds, config.minRunSeconds]).toEqual([
      2, 60, 10,
    ]);
  });

  it('names every variable at fault at once', () => {
    expect(() =>
      loadConfig({
        ...base,
        TIDEPOOL_RETRY_BASE_SECONDS: '0',
        TIDEPOOL_RETRY_MAX_SECONDS: '50000',
        TIDEPOOL_MIN_RUN_SECONDS: 'soon',
      })
    ).toThrow(
      /TIDEPOOL_RETRY_BASE_SECONDS must be a whole number from 1 to 900, got '0'.*TIDEPOOL_RETRY_MAX_SECONDS must be a whole number from 1 to 43200.*TIDEPOOL_MIN_RUN_SECONDS must be a whole number from 1 to 900, got 'soon'/
    );
  });

  it('refuses a cap below the base', () => {
    expect(() =>
      loadConfig({ ...base, TIDEPOOL_RETRY_BASE_SECONDS: '30', TIDEPOOL_RETRY_MAX_SECONDS: '10' })
    ).toThrow(
      'TIDEPOOL_RETRY_MAX_SECONDS (10) must not be less than TIDEPOOL_RETRY_BASE_SECONDS (30)'
    );
  });
});

describe('loadConfig: TIDEPOOL_ALLOWED_SCRIPT_ROLES', () => {
  const allowed = (list: string) => {
    const roles = loadConfig({ ...base, TIDEPOOL_ALLOWED_SCRIPT_ROLES: list }).allowedScriptRoles;
    return (arn: string) => roles?.test(arn) ?? false;
  };

  it('allows no role when unset', () => {
    expect(loadConfig(base).allowedScriptRoles).toBeUndefined();
  });

  it('matches as IAM does: * any run of characters, ? exactly one', () => {
    const test = allowed(
      'arn:aws:iam::123456789012:role/deploy-*, arn:aws:iam::210987654321:role/app-?'
    );
    expect(test('arn:aws:iam::123456789012:role/deploy-web')).toBe(true);
    expect(test('arn:aws:iam::123456789012:role/deploy-')).toBe(true);
    // `*` crosses path separators, as in an IAM Resource.
    expect(test('arn:aws:iam::123456789012:role/deploy-x/y')).toBe(true);
    expect(test('arn:aws:iam::210987654321:role/app-1')).toBe(true);
    expect(test('arn:aws:iam::210987654321:role/app-12')).toBe(false);
    expect(test('arn:aws:iam::210987654321:role/app-')).toBe(false);
    expect(test('arn:aws:iam::999999999999:role/deploy-web')).toBe(false);
    expect(test('arn:aws:iam::123456789012:role/admin')).toBe(false);
  });

  it('takes every other character literally (no regular expressions)', () => {
    const test = allowed('arn:aws:iam::123456789012:role/a.b+c');
    expect(test('arn:aws:iam::123456789012:role/a.b+c')).toBe(true);
    expect(test('arn:aws:iam::123456789012:role/aXbbc')).toBe(false);
    // A regular expression that used to allow every role now allows only names starting '.'.
    const formerRegex = allowed('arn:aws:iam::123456789012:role/.*');
    expect(formerRegex('arn:aws:iam::123456789012:role/admin')).toBe(false);
    expect(test('xarn:aws:iam::123456789012:role/a.b+c')).toBe(false);
  });

  it('refuses what is not a list of role ARN patterns, saying what to give', () => {
    for (const bad of [
      'arn:aws:iam::123456789012:role/(deploy|build)',
      'deploy-*',
      'arn:aws:iam::123456789012:role/a,',
      '*',
    ]) {
      expect(() => loadConfig({ ...base, TIDEPOOL_ALLOWED_SCRIPT_ROLES: bad })).toThrow(
        ConfigError
      );
    }
    expect(() =>
      loadConfig({ ...base, TIDEPOOL_ALLOWED_SCRIPT_ROLES: 'arn:aws:iam::1:role/ok,deploy-*' })
    ).toThrow(
      "TIDEPOOL_ALLOWED_SCRIPT_ROLES must be role ARNs separated by commas, where '*' matches any characters and '?' one (e.g. arn:aws:iam::123456789012:role/deploy-*); not 'deploy-*'"
    );
  });
});
