/** What the global setup hands to every test file (through vitest's `provide`/`inject`). */
export interface ProvidedPostgres {
  readonly adminUrl: string;
  readonly template: string;
  readonly kind: string;
  /** The server's major version (`17`, or `15` in the projects that run on PostgreSQL 15). */
  readonly majorVersion: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    dramacPostgres: ProvidedPostgres;
  }
}
