// The storefront's pure view model: who gets in and why, which columns and rows visitors miss,
// and prices kept as PostgreSQL's exact decimals. No database.
import { describe, expect, it } from 'vitest';
import {
  formatPrice,
  hiddenFromVisitors,
  splitColumns,
  visitorVerdicts,
} from '../src/lib/storefront-model';

const shop = { key: 'shop', title: 'Shop', provisioned: true, installed: true };

describe('visitor verdicts', () => {
  it('admit visitors only on a public site where the module is installed', () => {
    const [v] = visitorVerdicts('Bakery', true, [shop]);
    expect(v).toMatchObject({ key: 'shop', admitted: true });
    expect(v?.reason).toContain('Bakery is public and Shop is installed there');
  });

  it('name the first reason visitors see nothing: not provisioned, not public, not installed', () => {
    const verdicts = visitorVerdicts('Garage', false, [
      { ...shop, key: 'a', title: 'Gone', provisioned: false, installed: false },
      { ...shop, key: 'b', title: 'Shop' },
      { ...shop, key: 'c', title: 'Booking', installed: false },
    ]);
    expect(verdicts.map((v) => v.admitted)).toEqual([false, false, false]);
    expect(verdicts[0]?.reason).toMatch(/^Gone is not provisioned/);
    expect(verdicts[1]?.reason).toMatch(/^Garage is not public: .*dramac.public_sites/);
    expect(verdicts[2]?.reason).toMatch(/^Garage is not public/);
    const [notInstalled] = visitorVerdicts('Bookshop', true, [{ ...shop, installed: false }]);
    expect(notInstalled?.reason).toMatch(/^Shop is not installed on Bookshop/);
  });
});

describe('columns and rows visitors miss', () => {
  it('splits columns in table order', () => {
    expect(
      splitColumns(['id', 'site_id', 'name', 'price', 'cost'], ['price', 'id', 'name']),
    ).toEqual({ shared: ['id', 'name', 'price'], membersOnly: ['site_id', 'cost'] });
  });

  it('finds the rows a policy hides from visitors', () => {
    const hidden = hiddenFromVisitors(
      [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      [{ id: 'c' }, { id: 'a' }],
    );
    expect([...hidden]).toEqual(['b']);
    expect(hiddenFromVisitors([], [{ id: 'a' }]).size).toBe(0);
  });
});

describe('prices', () => {
  it('keep the exact decimal text and add the currency', () => {
    expect(formatPrice('12345678.90', 'EUR')).toBe('12345678.90 EUR');
    expect(formatPrice('0.10', undefined)).toBe('0.10');
    expect(formatPrice(null, 'EUR')).toBe('');
  });
});
