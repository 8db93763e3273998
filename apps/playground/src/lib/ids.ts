import { InputError } from './action-result';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID from a form, or a readable error naming what was expected. */
export function uuid(value: unknown, what: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new InputError(`choose a ${what}`, what);
  }
  return value.toLowerCase();
}
