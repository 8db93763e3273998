'use client';

import { type ReactNode, useState } from 'react';

/**
 * A destructive action in two steps: the first click opens an inline confirmation that says
 * what will happen; only its own button runs the action.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  children,
  onConfirm,
  disabled,
  className = 'danger',
  testId,
}: {
  label: string;
  confirmLabel: string;
  /** What the action does, shown before it runs. */
  children: ReactNode;
  onConfirm: () => void;
  disabled?: boolean;
  className?: string;
  testId?: string;
}) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button type="button" className={className} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  }
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-label={label}
      data-testid={testId ?? 'confirm'}
    >
      <div className="confirm-text">{children}</div>
      <div className="row">
        <button
          type="button"
          className="danger solid"
          disabled={disabled}
          onClick={() => {
            setOpen(false);
            onConfirm();
          }}
        >
          {confirmLabel}
        </button>
        <button type="button" disabled={disabled} onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
