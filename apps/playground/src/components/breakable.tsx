import { Fragment } from 'react';

/**
 * An identifier that may wrap after `.` and `_` (`public.mod_b00c1e55_appointments`), so a
 * narrow column breaks it at a readable place instead of overflowing.
 */
export function Breakable({ text }: { text: string }) {
  const parts = text.split(/(?<=[._])/);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < parts.length - 1 ? <wbr /> : null}
        </Fragment>
      ))}
    </>
  );
}
