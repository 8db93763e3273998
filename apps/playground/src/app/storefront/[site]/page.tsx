import { notFound } from 'next/navigation';
import { ErrorMessage } from '../../../components/error-message';
import { load } from '../../../lib/load';
import { showValue } from '../../../lib/show-value';
import { type Outcome, readStorefront } from '../../../lib/storefront';
import { formatPrice, hiddenFromVisitors, splitColumns } from '../../../lib/storefront-model';
import { FillButton, PublicToggle, VisitorForm } from './storefront-forms';

export const dynamic = 'force-dynamic';

/** A read's error, or nothing. */
function Refused({ outcome }: { outcome: Outcome<unknown> | null }) {
  return outcome && !outcome.ok ? <ErrorMessage error={outcome.error} /> : null;
}

const MEMBER_PRODUCT_COLUMNS = ['name', 'price', 'cost', 'stock', 'status'] as const;

export default async function StorefrontPage({ params }: { params: Promise<{ site: string }> }) {
  const { site: siteId } = await params;
  const result = await load(() => readStorefront(siteId));
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  const front = result.data;
  if (!front) notFound();
  const { site, visitor, memberView, verdicts } = front;
  const verdict = (key: string) => verdicts.find((v) => v.key === key);
  const products = visitor.products?.ok ? visitor.products.value : [];
  const testimonials = visitor.testimonials?.ok ? visitor.testimonials.value : [];
  const memberProducts = memberView.products?.ok ? memberView.products.value : [];
  const hidden = hiddenFromVisitors(memberProducts, products);
  const columns = splitColumns(front.productColumns.all, front.productColumns.visitorRead);
  const anyAdmitted = verdicts.some((v) => v.admitted);
  return (
    <>
      <p className="small">
        <a href="/storefront">All storefronts</a>
      </p>
      <h1>
        Storefront: {site.label}: {site.name}
      </h1>
      <p className="lead">
        The site's public page, rendered as a visitor: no user, the request runs as each module's
        visitor role with the claims <code>{'{ role, site_id }'}</code> and no <code>sub</code>.
        PostgreSQL gives it what each table and widget collection declares for visitors, on a public
        site where the module is installed. Beside it, a member of {site.agencyName} reading the
        same data through the SDK.
      </p>

      <section className="card" data-testid="storefront-access">
        <div className="spread">
          <h2>
            Who gets in{' '}
            <span className={`badge ${front.isPublic ? 'ok' : ''}`} data-testid="site-public">
              {front.isPublic ? 'public site' : 'not public'}
            </span>
          </h2>
          <div className="row">
            <PublicToggle siteId={site.id} isPublic={front.isPublic} />
            <FillButton siteId={site.id} />
          </div>
        </div>
        <ul className="steps small" data-testid="verdicts">
          {verdicts.map((v) => (
            <li key={v.key} data-admitted={v.admitted} data-testid={`verdict-${v.key}`}>
              <span className={`badge ${v.admitted ? 'ok' : 'bad'}`}>
                {v.admitted ? 'visitors admitted' : 'visitors see nothing'}
              </span>{' '}
              {v.reason}
              {front.visitorRoles[v.key] ? (
                <span className="muted"> (role {front.visitorRoles[v.key]})</span>
              ) : null}
            </li>
          ))}
        </ul>
        {!anyAdmitted ? (
          <div className="message note" data-testid="storefront-closed">
            Visitors of {site.name} see nothing: every read below runs all the same and PostgreSQL
            answers with no rows, and the forms are refused (42501).
          </div>
        ) : null}
      </section>

      <div className="split storefront">
        <section className="card shopfront" data-testid="visitor-view">
          <h2>As a visitor</h2>
          <p className="muted small">
            Only the columns a table declares (<code>visitors.read</code>) are selected; the Shop's
            policy <code>visitors_see_published</code> keeps drafts from anyone without a user.
          </p>
          <h3>Products</h3>
          <Refused outcome={visitor.products} />
          {visitor.products?.ok && products.length === 0 ? (
            <p className="muted small" data-testid="no-products">
              No products:{' '}
              {verdict('shop')?.admitted ? 'none is published yet' : verdict('shop')?.reason}
            </p>
          ) : null}
          <div className="products">
            {products.map((p) => (
              <article key={String(p.id)} className="product" data-testid="visitor-product">
                <strong>{showValue(p.name)}</strong>
                <span className="price">{formatPrice(p.price, p.currency)}</span>
                {p.description ? <p className="small">{showValue(p.description)}</p> : null}
                <span className="muted small mono">{showValue(p.sku)}</span>
              </article>
            ))}
          </div>
          {products.length > 0 ? (
            <p className="muted small" data-testid="visitor-columns">
              Columns received: {Object.keys(products[0] ?? {}).join(', ')}
            </p>
          ) : null}

          <h3>Book a visit</h3>
          {front.forms.booking ? (
            <VisitorForm kind="booking" siteId={site.id} columns={front.forms.booking} />
          ) : (
            <p className="muted small">{verdict('booking')?.reason}</p>
          )}

          <h3>Testimonials</h3>
          <Refused outcome={visitor.testimonials} />
          {visitor.testimonials?.ok && testimonials.length === 0 ? (
            <p className="muted small" data-testid="no-testimonials">
              No testimonials:{' '}
              {verdict('widget')?.admitted ? 'none written yet' : verdict('widget')?.reason}
            </p>
          ) : null}
          <ul className="testimonials">
            {testimonials.map((t) => (
              <li key={t.id} data-testid="visitor-testimonial">
                <q>{showValue(t.value.quote)}</q>{' '}
                <span className="muted">
                  {showValue(t.value.author)}, {'★'.repeat(Number(t.value.rating) || 0)}
                </span>
              </li>
            ))}
          </ul>
          {front.forms.testimonial ? (
            <details>
              <summary>Leave a testimonial</summary>
              <VisitorForm kind="testimonial" siteId={site.id} columns={front.forms.testimonial} />
            </details>
          ) : null}
        </section>

        <section className="card" data-testid="member-view">
          <h2>As a member{front.member ? `: ${front.member.name}` : ''}</h2>
          {!front.member ? (
            <p className="muted">Nobody belongs to {site.agencyName}: there is no member view.</p>
          ) : (
            <>
              <p className="muted small">
                The module's role with a user (<code>sub</code>): every column and, through the
                policy, drafts too. What visitors do not get is marked.
              </p>
              <h3>Products</h3>
              <Refused outcome={memberView.products} />
              {columns.membersOnly.length > 0 ? (
                <p className="small" data-testid="members-only-columns">
                  Members only (never granted to visitors):{' '}
                  {columns.membersOnly.map((c) => (
                    <code key={c} className="pill">
                      {c}
                    </code>
                  ))}
                </p>
              ) : null}
              <table className="grid" data-testid="member-products">
                <thead>
                  <tr>
                    {MEMBER_PRODUCT_COLUMNS.map((c) => (
                      <th key={c} className={columns.membersOnly.includes(c) ? 'members-only' : ''}>
                        {c}
                      </th>
                    ))}
                    <th>visitors</th>
                  </tr>
                </thead>
                <tbody>
                  {memberProducts.map((p) => (
                    <tr key={String(p.id)} className={hidden.has(String(p.id)) ? 'hidden-row' : ''}>
                      {MEMBER_PRODUCT_COLUMNS.map((c) => (
                        <td key={c} className={c === 'name' ? undefined : 'num'}>
                          {c === 'price' ? formatPrice(p.price, p.currency) : showValue(p[c])}
                        </td>
                      ))}
                      <td>{hidden.has(String(p.id)) ? 'hidden (policy)' : 'shown'}</td>
                    </tr>
                  ))}
                  {memberView.products?.ok && memberProducts.length === 0 ? (
                    <tr>
                      <td colSpan={MEMBER_PRODUCT_COLUMNS.length + 1} className="muted">
                        No products yet.
                      </td>
                    </tr>
                  ) : null}
                </tbody>
              </table>

              <h3>Booking requests</h3>
              <p className="muted small">
                Visitors insert them and cannot read them back: no column of <code>requests</code>{' '}
                is granted to them for select.
              </p>
              <Refused outcome={memberView.requests} />
              {memberView.requests?.ok ? (
                <table className="grid" data-testid="member-requests">
                  <thead>
                    <tr>
                      <th>customer_name</th>
                      <th>customer_email</th>
                      <th>preferred_date</th>
                      <th>status</th>
                      <th>message</th>
                    </tr>
                  </thead>
                  <tbody>
                    {memberView.requests.value.map((r) => (
                      <tr key={String(r.id)}>
                        <td>{showValue(r.customer_name)}</td>
                        <td className="long">{showValue(r.customer_email)}</td>
                        <td className="num">{showValue(r.preferred_date)}</td>
                        <td>{showValue(r.status)}</td>
                        <td>{showValue(r.message)}</td>
                      </tr>
                    ))}
                    {memberView.requests.value.length === 0 ? (
                      <tr>
                        <td colSpan={5} className="muted">
                          No requests yet.
                        </td>
                      </tr>
                    ) : null}
                  </tbody>
                </table>
              ) : null}

              <h3>Testimonials and submissions</h3>
              <p className="muted small">
                Items in <code>public.module_data</code>: members read the whole value (with the
                email); visitors read <code>public_value</code> (author, quote, rating) of{' '}
                <code>testimonials</code> and nothing of <code>submissions</code>.
              </p>
              <Refused outcome={memberView.testimonials} />
              <Refused outcome={memberView.submissions} />
              <table className="grid" data-testid="member-items">
                <thead>
                  <tr>
                    <th>collection</th>
                    <th>author</th>
                    <th>quote</th>
                    <th>rating</th>
                    <th>email</th>
                  </tr>
                </thead>
                <tbody>
                  {[
                    ...(memberView.testimonials?.ok
                      ? memberView.testimonials.value.map((i) => ['testimonials', i] as const)
                      : []),
                    ...(memberView.submissions?.ok
                      ? memberView.submissions.value.map((i) => ['submissions', i] as const)
                      : []),
                  ].map(([collection, i]) => (
                    <tr key={i.id}>
                      <td>{collection}</td>
                      <td>{showValue(i.value.author)}</td>
                      <td>{showValue(i.value.quote)}</td>
                      <td>{showValue(i.value.rating)}</td>
                      <td className="long">{showValue(i.value.email)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>
      </div>
    </>
  );
}
