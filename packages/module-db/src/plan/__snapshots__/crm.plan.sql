-- Module c7a1e0b2-5d3f-4e8a-9b61-0f2d4c6e8a10 (short id c7a1e0b2), version 1.0.0
-- Strategy: schema; schema: mod_c7a1e0b2; role: modrole_c7a1e0b2
-- 54 statements, applied in one transaction
begin;

-- 1. create the module role modrole_c7a1e0b2
create role "modrole_c7a1e0b2" nologin noinherit;

-- 2. create the module admin role modadmin_c7a1e0b2 (bypasses RLS, this module's tables only)
create role "modadmin_c7a1e0b2" nologin noinherit bypassrls;

-- 3. create the module schema mod_c7a1e0b2
create schema "mod_c7a1e0b2";

-- 4. no one but the module role uses mod_c7a1e0b2
revoke all on schema "mod_c7a1e0b2" from public;

-- 5. modrole_c7a1e0b2 may use mod_c7a1e0b2
grant usage on schema "mod_c7a1e0b2" to "modrole_c7a1e0b2";

-- 6. modadmin_c7a1e0b2 may use mod_c7a1e0b2
grant usage on schema "mod_c7a1e0b2" to "modadmin_c7a1e0b2";

-- 7. modrole_c7a1e0b2 may call the platform's policy helpers
grant execute on function "public"."dramac_current_site_id"(), "public"."dramac_current_user_id"(), "public"."dramac_can_access_current_site"(text) to "modrole_c7a1e0b2";

-- 8. create table mod_c7a1e0b2.contacts
create table "mod_c7a1e0b2"."contacts" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "first_name" text not null, "last_name" text not null, "email" text, "phone" text, "company_id" uuid, "status" text default 'lead' not null, "lead_score" integer default 0 not null, "tags" text[] default '{}' not null, "custom_fields" jsonb default '{}'::jsonb not null, "created_at" timestamptz default now() not null, "updated_at" timestamptz default now() not null, constraint "pk_contacts" primary key ("id"), constraint "uq_contacts_site_id_id" unique ("site_id", "id"), constraint "uq_contacts_site_id_email" unique ("site_id", "email"), constraint "ck_contacts_status" check (("status" in ('lead', 'qualified', 'customer', 'churned'))), constraint "ck_contacts_lead_score" check (("lead_score" between 0 and 100)), constraint "fk_contacts_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade);

-- 9. no direct access for PUBLIC, anon, authenticated, service_role
revoke all on table "mod_c7a1e0b2"."contacts" from public, "anon", "authenticated", "service_role";

-- 10. modrole_c7a1e0b2 may read and write mod_c7a1e0b2.contacts (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."contacts" to "modrole_c7a1e0b2";

-- 11. modadmin_c7a1e0b2 may read and write mod_c7a1e0b2.contacts on every site (server-only admin client)
grant select, insert, update, delete on table "mod_c7a1e0b2"."contacts" to "modadmin_c7a1e0b2";

-- 12. enable row-level security
alter table "mod_c7a1e0b2"."contacts" enable row level security;

-- 13. force row-level security, on the owner too
alter table "mod_c7a1e0b2"."contacts" force row level security;

-- 14. rows of the request site only, for members of its agency, where the module is installed
create policy "dramac_site_isolation" on "mod_c7a1e0b2"."contacts" as permissive for all to "modrole_c7a1e0b2" using ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2'))) with check ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2')));

-- 15. keep updated_at current with the shared platform trigger function
create trigger "trg_contacts_updated_at" before update on "mod_c7a1e0b2"."contacts" for each row execute function "public"."dramac_set_updated_at"();

-- 16. index idx_contacts_site_id_last_name_first_name
create index "idx_contacts_site_id_last_name_first_name" on "mod_c7a1e0b2"."contacts" ("site_id", "last_name", "first_name");

-- 17. index idx_contacts_tags
create index "idx_contacts_tags" on "mod_c7a1e0b2"."contacts" using gin ("tags");

-- 18. index idx_contacts_site_id_company_id for the foreign key
create index "idx_contacts_site_id_company_id" on "mod_c7a1e0b2"."contacts" ("site_id", "company_id");

-- 19. create table mod_c7a1e0b2.companies
create table "mod_c7a1e0b2"."companies" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "name" text not null, "domain" text, "industry" text, "employee_count" integer, "created_at" timestamptz default now() not null, "updated_at" timestamptz default now() not null, constraint "pk_companies" primary key ("id"), constraint "uq_companies_site_id_id" unique ("site_id", "id"), constraint "uq_companies_site_id_domain" unique ("site_id", "domain"), constraint "ck_companies_employee_count" check (("employee_count" >= 0)), constraint "fk_companies_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade);

-- 20. no direct access for PUBLIC, anon, authenticated, service_role
revoke all on table "mod_c7a1e0b2"."companies" from public, "anon", "authenticated", "service_role";

-- 21. modrole_c7a1e0b2 may read and write mod_c7a1e0b2.companies (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."companies" to "modrole_c7a1e0b2";

-- 22. modadmin_c7a1e0b2 may read and write mod_c7a1e0b2.companies on every site (server-only admin client)
grant select, insert, update, delete on table "mod_c7a1e0b2"."companies" to "modadmin_c7a1e0b2";

-- 23. enable row-level security
alter table "mod_c7a1e0b2"."companies" enable row level security;

-- 24. force row-level security, on the owner too
alter table "mod_c7a1e0b2"."companies" force row level security;

-- 25. rows of the request site only, for members of its agency, where the module is installed
create policy "dramac_site_isolation" on "mod_c7a1e0b2"."companies" as permissive for all to "modrole_c7a1e0b2" using ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2'))) with check ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2')));

-- 26. keep updated_at current with the shared platform trigger function
create trigger "trg_companies_updated_at" before update on "mod_c7a1e0b2"."companies" for each row execute function "public"."dramac_set_updated_at"();

-- 27. create table mod_c7a1e0b2.deals
create table "mod_c7a1e0b2"."deals" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "title" text not null, "amount" numeric(12,2) default 0 not null, "stage" text default 'new' not null, "contact_id" uuid, "company_id" uuid, "expected_close" date, "created_at" timestamptz default now() not null, "updated_at" timestamptz default now() not null, constraint "pk_deals" primary key ("id"), constraint "uq_deals_site_id_id" unique ("site_id", "id"), constraint "ck_deals_amount" check (("amount" >= 0)), constraint "ck_deals_stage" check (("stage" in ('new', 'qualified', 'proposal', 'won', 'lost', 'deleted'))), constraint "fk_deals_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade);

-- 28. no direct access for PUBLIC, anon, authenticated, service_role
revoke all on table "mod_c7a1e0b2"."deals" from public, "anon", "authenticated", "service_role";

-- 29. modrole_c7a1e0b2 may read and write mod_c7a1e0b2.deals (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."deals" to "modrole_c7a1e0b2";

-- 30. modadmin_c7a1e0b2 may read and write mod_c7a1e0b2.deals on every site (server-only admin client)
grant select, insert, update, delete on table "mod_c7a1e0b2"."deals" to "modadmin_c7a1e0b2";

-- 31. enable row-level security
alter table "mod_c7a1e0b2"."deals" enable row level security;

-- 32. force row-level security, on the owner too
alter table "mod_c7a1e0b2"."deals" force row level security;

-- 33. rows of the request site only, for members of its agency, where the module is installed
create policy "dramac_site_isolation" on "mod_c7a1e0b2"."deals" as permissive for all to "modrole_c7a1e0b2" using ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2'))) with check ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2')));

-- 34. module policy hide_deleted_deals (restrictive: narrows, never widens)
create policy "hide_deleted_deals" on "mod_c7a1e0b2"."deals" as restrictive for select to "modrole_c7a1e0b2" using (("stage" <> 'deleted'));

-- 35. keep updated_at current with the shared platform trigger function
create trigger "trg_deals_updated_at" before update on "mod_c7a1e0b2"."deals" for each row execute function "public"."dramac_set_updated_at"();

-- 36. index idx_deals_site_id_stage
create index "idx_deals_site_id_stage" on "mod_c7a1e0b2"."deals" ("site_id", "stage");

-- 37. index idx_deals_site_id_contact_id for the foreign key
create index "idx_deals_site_id_contact_id" on "mod_c7a1e0b2"."deals" ("site_id", "contact_id");

-- 38. index idx_deals_site_id_company_id for the foreign key
create index "idx_deals_site_id_company_id" on "mod_c7a1e0b2"."deals" ("site_id", "company_id");

-- 39. create table mod_c7a1e0b2.activities
create table "mod_c7a1e0b2"."activities" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "contact_id" uuid not null, "deal_id" uuid, "kind" text not null, "payload" jsonb default '{}'::jsonb not null, "completed" boolean default false not null, "occurred_at" timestamptz default now() not null, constraint "pk_activities" primary key ("id"), constraint "uq_activities_site_id_id" unique ("site_id", "id"), constraint "ck_activities_kind" check (("kind" in ('call', 'email', 'meeting', 'note'))), constraint "fk_activities_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade);

-- 40. no direct access for PUBLIC, anon, authenticated, service_role
revoke all on table "mod_c7a1e0b2"."activities" from public, "anon", "authenticated", "service_role";

-- 41. modrole_c7a1e0b2 may read and write mod_c7a1e0b2.activities (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."activities" to "modrole_c7a1e0b2";

-- 42. modadmin_c7a1e0b2 may read and write mod_c7a1e0b2.activities on every site (server-only admin client)
grant select, insert, update, delete on table "mod_c7a1e0b2"."activities" to "modadmin_c7a1e0b2";

-- 43. enable row-level security
alter table "mod_c7a1e0b2"."activities" enable row level security;

-- 44. force row-level security, on the owner too
alter table "mod_c7a1e0b2"."activities" force row level security;

-- 45. rows of the request site only, for members of its agency, where the module is installed
create policy "dramac_site_isolation" on "mod_c7a1e0b2"."activities" as permissive for all to "modrole_c7a1e0b2" using ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2'))) with check ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2')));

-- 46. index idx_activities_payload
create index "idx_activities_payload" on "mod_c7a1e0b2"."activities" using gin ("payload");

-- 47. index open_activities_idx
create index "open_activities_idx" on "mod_c7a1e0b2"."activities" ("site_id", "contact_id", "occurred_at") where (not "completed");

-- 48. index idx_activities_site_id_contact_id for the foreign key
create index "idx_activities_site_id_contact_id" on "mod_c7a1e0b2"."activities" ("site_id", "contact_id");

-- 49. index idx_activities_site_id_deal_id for the foreign key
create index "idx_activities_site_id_deal_id" on "mod_c7a1e0b2"."activities" ("site_id", "deal_id");

-- 50. contacts.company_id -> companies.id within the same site
alter table "mod_c7a1e0b2"."contacts" add constraint "fk_contacts_company_id" foreign key ("site_id", "company_id") references "mod_c7a1e0b2"."companies" ("site_id", "id") on delete set null ("company_id") on update no action;

-- 51. deals.contact_id -> contacts.id within the same site
alter table "mod_c7a1e0b2"."deals" add constraint "fk_deals_contact_id" foreign key ("site_id", "contact_id") references "mod_c7a1e0b2"."contacts" ("site_id", "id") on delete set null ("contact_id") on update no action;

-- 52. deals.company_id -> companies.id within the same site
alter table "mod_c7a1e0b2"."deals" add constraint "fk_deals_company_id" foreign key ("site_id", "company_id") references "mod_c7a1e0b2"."companies" ("site_id", "id") on delete set null ("company_id") on update no action;

-- 53. activities.contact_id -> contacts.id within the same site
alter table "mod_c7a1e0b2"."activities" add constraint "fk_activities_contact_id" foreign key ("site_id", "contact_id") references "mod_c7a1e0b2"."contacts" ("site_id", "id") on delete cascade on update no action;

-- 54. activities.deal_id -> deals.id within the same site
alter table "mod_c7a1e0b2"."activities" add constraint "fk_activities_deal_id" foreign key ("site_id", "deal_id") references "mod_c7a1e0b2"."deals" ("site_id", "id") on delete set null ("deal_id") on update no action;

commit;
