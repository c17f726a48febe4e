/** @type {import('jest').Config} */
const transform = { '^.+\\.ts$': ['@swc/jest'] };
module.exports = {
  testTimeout: 30000,
  transform,
  // The IAM gate's policies come from the packaged template: package when it is stale.
  globalSetup: '<rootDir>/test/global-setup.ts',
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], transform },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
    },
  ],
};
