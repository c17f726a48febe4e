/**
 * The script-runtime layer tests (npm run test:layer): builds the x86_64 layer once
 * (globalSetup), unpacks it, and runs scripts with the layer's interpreters only.
 * @type {import('jest').Config}
 */
const transform = { '^.+\\.ts$': ['@swc/jest'] };
module.exports = {
  displayName: 'layer',
  testMatch: ['<rootDir>/test/layer/**/*.test.ts'],
  transform,
  testTimeout: 300000,
  globalSetup: '<rootDir>/test/layer/global-setup.ts',
  globalTeardown: '<rootDir>/test/layer/global-teardown.ts',
};
