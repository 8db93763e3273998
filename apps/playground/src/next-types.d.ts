// Next.js's ambient types (CSS imports, `server-only`), without the generated next-env.d.ts,
// which points into whichever build folder ran last.
/// <reference types="next" />
