/** How long a retained module waits before `dropDueModules` may drop it (PostgreSQL intervals). */
export const RETENTION_CHOICES = ['0 seconds', '1 hour', '7 days', '30 days'] as const;
