#!/usr/bin/env node
// Benchmarks run here, never in `pnpm test`. No benchmark suite exists yet (see the benchmark issue).
console.log('No benchmarks yet: the bench/ package arrives with the benchmarks issue.');
