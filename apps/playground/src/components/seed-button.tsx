'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { seedDemoAction } from '../app/actions/seed';
import type { ActionError } from '../lib/action-result';
import { ErrorMessage, SuccessMessage } from './error-message';

/** Seeds the demo platform on request (the only way it is seeded into a DATABASE_URL). */
export function SeedButton() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<ActionError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <div>
      <button
        type="button"
        className="primary"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const r = await seedDemoAction();
            setError(r.ok ? null : r.error);
            setDone(r.ok ? r.value : null);
            router.refresh();
          })
        }
      >
        {pending ? 'Seeding...' : 'Seed the demo platform'}
      </button>
      <ErrorMessage error={error} />
      <SuccessMessage text={done} />
    </div>
  );
}
