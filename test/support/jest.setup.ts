// Suites hand stores in without a data directory: their data keys live in memory unless a suite says where.
process.env.KEYS_SQLITE_PATH ??= ':memory:';
