/** What the global setup hands to every test file (through vitest's `provide`/`inject`). */
export interface ProvidedPostgres {
  readonly adminUrl: string;
  readonly template: string;
  readonly kind: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    dramacPostgres: ProvidedPostgres;
  }
}
