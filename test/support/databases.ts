/** The private PostgreSQL and Redis servers live beside the scripts, so the benchmarks can start them too. */
export * from '../../scripts/databases.js';
