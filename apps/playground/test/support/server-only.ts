// `server-only` is resolved by Next.js itself (it fails a client bundle that imports a server
// module). Under vitest the server modules run in Node, where the marker has nothing to guard.
export {};
