'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { ErrorMessage, SuccessMessage } from '../../../components/error-message';
import type { ActionError, ActionResult } from '../../../lib/action-result';
import { callAction } from '../../../lib/call-action';
import { byteLength } from '../../../lib/limits';
import {
  bookAction,
  fillStorefrontAction,
  setSitePublicAction,
  submitTestimonialAction,
} from '../../actions/storefront';

const FIELD_CHARS = 1_000;

/** Labels and input types of the declared columns visitors fill in. */
const FIELDS: Record<string, { label: string; type: string; required?: boolean }> = {
  customer_name: { label: 'Your name', type: 'text', required: true },
  customer_email: { label: 'Email', type: 'email', required: true },
  preferred_date: { label: 'Preferred date', type: 'date', required: true },
  message: { label: 'Message', type: 'text' },
  author: { label: 'Your name', type: 'text', required: true },
  quote: { label: 'Your words', type: 'text', required: true },
  rating: { label: 'Rating (1-5)', type: 'number', required: true },
  email: { label: 'Email (not shown)', type: 'email' },
};

/** Runs an action, shows its outcome next to the control and refreshes the page's reads. */
function useAction() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<ActionError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = (fn: () => Promise<ActionResult<string>>, bytes = 0, onDone?: () => void) =>
    start(async () => {
      const r = await callAction(fn, {
        what: 'The form',
        bytes,
        limit: FIELD_CHARS * 8,
      });
      setError(r.ok ? null : r.error);
      setDone(r.ok ? r.value : null);
      if (r.ok) {
        onDone?.();
        router.refresh();
      }
    });
  return { pending, error, done, run };
}

/**
 * A form over the columns a table (or collection) declares for visitors' inserts, sent as the
 * visitor. `kind` picks the action: a booking request or a testimonial.
 */
export function VisitorForm({
  kind,
  siteId,
  columns,
  initial,
}: {
  kind: 'booking' | 'testimonial';
  siteId: string;
  columns: readonly string[];
  initial?: Record<string, string>;
}) {
  const empty = () => Object.fromEntries(columns.map((c) => [c, initial?.[c] ?? '']));
  const [values, setValues] = useState<Record<string, string>>(empty);
  const { pending, error, done, run } = useAction();
  const tooLong = columns.find((c) => (values[c] ?? '').length > FIELD_CHARS);
  return (
    <form
      className="storefront-form"
      data-testid={`${kind}-form`}
      onSubmit={(e) => {
        e.preventDefault();
        const action = kind === 'booking' ? bookAction : submitTestimonialAction;
        run(
          () => action(siteId, values),
          byteLength(JSON.stringify(values)),
          () => setValues(empty()),
        );
      }}
    >
      {columns.map((c) => {
        const field = FIELDS[c] ?? { label: c, type: 'text' };
        return (
          <label key={c}>
            <span>
              {field.label} <code className="muted">{c}</code>
            </span>
            <input
              name={c}
              type={field.type}
              required={field.required}
              value={values[c] ?? ''}
              onChange={(e) => setValues({ ...values, [c]: e.target.value })}
            />
          </label>
        );
      })}
      <div className="row">
        <button type="submit" className="primary" disabled={pending || Boolean(tooLong)}>
          {pending ? 'Sending...' : kind === 'booking' ? 'Request a booking' : 'Send testimonial'}
        </button>
        <span className="field-note">
          Up to {FIELD_CHARS} characters a field; sent as the visitor (no user, no RETURNING).
          {tooLong ? ` ${tooLong} is too long.` : ''}
        </span>
      </div>
      <ErrorMessage error={error} />
      <SuccessMessage text={done} />
    </form>
  );
}

/** Fills the storefront with demo content as a member of the site's agency. */
export function FillButton({ siteId }: { siteId: string }) {
  const { pending, error, done, run } = useAction();
  return (
    <div data-testid="fill-storefront">
      <button
        type="button"
        disabled={pending}
        onClick={() => run(() => fillStorefrontAction(siteId))}
      >
        {pending ? 'Filling...' : 'Fill with demo content (as a member)'}
      </button>
      <ErrorMessage error={error} />
      <SuccessMessage text={done} />
    </div>
  );
}

/** The platform's switch: mark the site public or not (`setSitePublic`). */
export function PublicToggle({ siteId, isPublic }: { siteId: string; isPublic: boolean }) {
  const { pending, error, done, run } = useAction();
  return (
    <div data-testid="public-toggle">
      <button
        type="button"
        disabled={pending}
        onClick={() => run(() => setSitePublicAction(siteId, !isPublic))}
      >
        {isPublic ? 'Mark not public' : 'Mark public'}
      </button>
      <ErrorMessage error={error} />
      <SuccessMessage text={done} />
    </div>
  );
}
