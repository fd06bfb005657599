/** Who the benchmarks sign in as: seeded by setup.ts, used by the load processes. */
export const BENCH_PASSWORD = 'bench-password';
/** The one user who says bench lines; subscribers are u0, u1, ... */
export const SPEAKER = 'speaker';

export const benchUser = (n: number): string => `u${n}`;
