/** Unit specs sit beside the code; end-to-end and contract suites live under test/. */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testRegex: '.*\\.(spec|e2e-spec|contract-spec)\\.ts$',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
      },
    ],
  },
  moduleNameMapper: {
    '^@lead/analytics$': '<rootDir>/libs/analytics/src',
    '^@lead/auth$': '<rootDir>/libs/auth/src',
    '^@lead/domain$': '<rootDir>/libs/lead-domain/src',
    '^@lead/event-store$': '<rootDir>/libs/event-store/src',
    '^@lead/lifecycle$': '<rootDir>/libs/lead-lifecycle/src',
    '^@lead/policies$': '<rootDir>/libs/lead-policies/src',
    '^@lead/privacy$': '<rootDir>/libs/privacy/src',
    '^@lead/projections$': '<rootDir>/libs/projections/src',
    '^@lead/scoring$': '<rootDir>/libs/scoring/src',
  },
  setupFiles: ['<rootDir>/test/support/jest.setup.ts'],
  testTimeout: 30000,
};
