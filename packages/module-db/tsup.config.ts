import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    client: 'src/client.ts',
    postgres: 'src/postgres.ts',
    admin: 'src/admin.ts',
    local: 'src/local.ts',
    // The `dramac-modules` binary (package.json `bin`); its shebang is kept by esbuild.
    cli: 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  // Types for the library entry points only: the binary has no importable API.
  dts: {
    entry: ['src/index.ts', 'src/client.ts', 'src/postgres.ts', 'src/admin.ts', 'src/local.ts'],
  },
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
