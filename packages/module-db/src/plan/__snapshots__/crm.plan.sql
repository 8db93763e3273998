-- Module c7a1e0b2-5d3f-4e8a-9b61-0f2d4c6e8a10 (short id c7a1e0b2), version 1.0.0
-- Strategy: schema; schema: mod_c7a1e0b2; role: modrole_c7a1e0b2
-- The platform creates the roles modrole_c7a1e0b2, modadmin_c7a1e0b2 and modowner_c7a1e0b2 and the schema mod_c7a1e0b2 itself;
-- the statements below run as modowner_c7a1e0b2, which owns the module's objects and nothing else.
-- 51 statements, applied in one transaction
begin;

-- 1. create table mod_c7a1e0b2.contacts
create table "mod_c7a1e0b2"."contacts" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "first_name" text not null, "last_name" text not null, "email" text, "phone" text, "company_id" uuid, "status" text default 'lead' not null, "lead_score" integer default 0 not null, "tags" text[] default '{}' not null, "custom_fields" jsonb default '{}'::jsonb not null, "created_at" timestamp with time zone default now() not null, "updated_at" timestamp with time zone default now() not null, constraint "pk_contacts" primary key ("site_id", "id"), constraint "uq_contacts_site_id_email" unique ("site_id", "email"), constraint "ck_contacts_lead_score" check (("lead_score" between 0 and 100)), constraint "ck_contacts_status" check (("status" in ('lead', 'qualified', 'customer', 'churned'))), constraint "fk_contacts_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 2. modrole_c7a1e0b2 may select, insert, update, delete mod_c7a1e0b2.contacts (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."contacts" to "modrole_c7a1e0b2";

-- 3. modadmin_c7a1e0b2 may select, insert, update, delete mod_c7a1e0b2.contacts (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."contacts" to "modadmin_c7a1e0b2";

-- 4. enable row-level security
alter table "mod_c7a1e0b2"."contacts" enable row level security;

-- 5. force row-level security, on the owner too
alter table "mod_c7a1e0b2"."contacts" force row level security;

-- 6. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "mod_c7a1e0b2"."contacts" as permissive for all to "modrole_c7a1e0b2" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2'))));

-- 7. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "mod_c7a1e0b2"."contacts" as permissive for all to "modowner_c7a1e0b2" using (true) with check (true);

-- 8. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "mod_c7a1e0b2"."contacts" as permissive for all to "modadmin_c7a1e0b2" using (true) with check (true);

-- 9. keep updated_at current with the shared platform trigger function
create trigger "trg_contacts_updated_at" before update on "mod_c7a1e0b2"."contacts" for each row execute function "public"."dramac_set_updated_at"();

-- 10. index idx_contacts_site_id_company_id for the foreign key
create index "idx_contacts_site_id_company_id" on "mod_c7a1e0b2"."contacts" ("site_id", "company_id");

-- 11. index idx_contacts_site_id_last_name_first_name
create index "idx_contacts_site_id_last_name_first_name" on "mod_c7a1e0b2"."contacts" ("site_id", "last_name", "first_name");

-- 12. index idx_contacts_tags
create index "idx_contacts_tags" on "mod_c7a1e0b2"."contacts" using gin ("tags");

-- 13. create table mod_c7a1e0b2.companies
create table "mod_c7a1e0b2"."companies" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "name" text not null, "domain" text, "industry" text, "employee_count" integer, "created_at" timestamp with time zone default now() not null, "updated_at" timestamp with time zone default now() not null, constraint "pk_companies" primary key ("site_id", "id"), constraint "uq_companies_site_id_domain" unique ("site_id", "domain"), constraint "ck_companies_employee_count" check (("employee_count" >= 0)), constraint "fk_companies_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 14. modrole_c7a1e0b2 may select, insert, update, delete mod_c7a1e0b2.companies (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."companies" to "modrole_c7a1e0b2";

-- 15. modadmin_c7a1e0b2 may select, insert, update, delete mod_c7a1e0b2.companies (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."companies" to "modadmin_c7a1e0b2";

-- 16. enable row-level security
alter table "mod_c7a1e0b2"."companies" enable row level security;

-- 17. force row-level security, on the owner too
alter table "mod_c7a1e0b2"."companies" force row level security;

-- 18. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "mod_c7a1e0b2"."companies" as permissive for all to "modrole_c7a1e0b2" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2'))));

-- 19. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "mod_c7a1e0b2"."companies" as permissive for all to "modowner_c7a1e0b2" using (true) with check (true);

-- 20. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "mod_c7a1e0b2"."companies" as permissive for all to "modadmin_c7a1e0b2" using (true) with check (true);

-- 21. keep updated_at current with the shared platform trigger function
create trigger "trg_companies_updated_at" before update on "mod_c7a1e0b2"."companies" for each row execute function "public"."dramac_set_updated_at"();

-- 22. create table mod_c7a1e0b2.deals
create table "mod_c7a1e0b2"."deals" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "title" text not null, "amount" numeric(12,2) default 0 not null, "stage" text default 'new' not null, "contact_id" uuid, "company_id" uuid, "expected_close" date, "created_at" timestamp with time zone default now() not null, "updated_at" timestamp with time zone default now() not null, constraint "pk_deals" primary key ("site_id", "id"), constraint "ck_deals_amount" check (("amount" >= 0)), constraint "ck_deals_stage" check (("stage" in ('new', 'qualified', 'proposal', 'won', 'lost', 'deleted'))), constraint "fk_deals_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 23. modrole_c7a1e0b2 may select, insert, update, delete mod_c7a1e0b2.deals (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."deals" to "modrole_c7a1e0b2";

-- 24. modadmin_c7a1e0b2 may select, insert, update, delete mod_c7a1e0b2.deals (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."deals" to "modadmin_c7a1e0b2";

-- 25. enable row-level security
alter table "mod_c7a1e0b2"."deals" enable row level security;

-- 26. force row-level security, on the owner too
alter table "mod_c7a1e0b2"."deals" force row level security;

-- 27. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "mod_c7a1e0b2"."deals" as permissive for all to "modrole_c7a1e0b2" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2'))));

-- 28. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "mod_c7a1e0b2"."deals" as permissive for all to "modowner_c7a1e0b2" using (true) with check (true);

-- 29. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "mod_c7a1e0b2"."deals" as permissive for all to "modadmin_c7a1e0b2" using (true) with check (true);

-- 30. module policy hide_deleted_deals (restrictive: narrows, never widens)
create policy "hide_deleted_deals" on "mod_c7a1e0b2"."deals" as restrictive for select to "modrole_c7a1e0b2" using (("stage" <> 'deleted'));

-- 31. keep updated_at current with the shared platform trigger function
create trigger "trg_deals_updated_at" before update on "mod_c7a1e0b2"."deals" for each row execute function "public"."dramac_set_updated_at"();

-- 32. index idx_deals_site_id_company_id for the foreign key
create index "idx_deals_site_id_company_id" on "mod_c7a1e0b2"."deals" ("site_id", "company_id");

-- 33. index idx_deals_site_id_contact_id for the foreign key
create index "idx_deals_site_id_contact_id" on "mod_c7a1e0b2"."deals" ("site_id", "contact_id");

-- 34. index idx_deals_site_id_stage
create index "idx_deals_site_id_stage" on "mod_c7a1e0b2"."deals" ("site_id", "stage");

-- 35. create table mod_c7a1e0b2.activities
create table "mod_c7a1e0b2"."activities" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "contact_id" uuid not null, "deal_id" uuid, "kind" text not null, "payload" jsonb default '{}'::jsonb not null, "completed" boolean default false not null, "occurred_at" timestamp with time zone default now() not null, constraint "pk_activities" primary key ("site_id", "id"), constraint "ck_activities_kind" check (("kind" in ('call', 'email', 'meeting', 'note'))), constraint "fk_activities_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 36. modrole_c7a1e0b2 may select, insert, update, delete mod_c7a1e0b2.activities (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."activities" to "modrole_c7a1e0b2";

-- 37. modadmin_c7a1e0b2 may select, insert, update, delete mod_c7a1e0b2.activities (rows still filtered by policy)
grant select, insert, update, delete on table "mod_c7a1e0b2"."activities" to "modadmin_c7a1e0b2";

-- 38. enable row-level security
alter table "mod_c7a1e0b2"."activities" enable row level security;

-- 39. force row-level security, on the owner too
alter table "mod_c7a1e0b2"."activities" force row level security;

-- 40. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "mod_c7a1e0b2"."activities" as permissive for all to "modrole_c7a1e0b2" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('c7a1e0b2'))));

-- 41. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "mod_c7a1e0b2"."activities" as permissive for all to "modowner_c7a1e0b2" using (true) with check (true);

-- 42. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "mod_c7a1e0b2"."activities" as permissive for all to "modadmin_c7a1e0b2" using (true) with check (true);

-- 43. index idx_activities_payload
create index "idx_activities_payload" on "mod_c7a1e0b2"."activities" using gin ("payload");

-- 44. index idx_activities_site_id_contact_id for the foreign key
create index "idx_activities_site_id_contact_id" on "mod_c7a1e0b2"."activities" ("site_id", "contact_id");

-- 45. index idx_activities_site_id_deal_id for the foreign key
create index "idx_activities_site_id_deal_id" on "mod_c7a1e0b2"."activities" ("site_id", "deal_id");

-- 46. index open_activities_idx
create index "open_activities_idx" on "mod_c7a1e0b2"."activities" ("site_id", "contact_id", "occurred_at") where (not "completed");

-- 47. contacts.company_id -> companies.id within the same site
alter table "mod_c7a1e0b2"."contacts" add constraint "fk_contacts_company_id" foreign key ("site_id", "company_id") references "mod_c7a1e0b2"."companies" ("site_id", "id") on delete set null ("company_id") on update no action;

-- 48. deals.company_id -> companies.id within the same site
alter table "mod_c7a1e0b2"."deals" add constraint "fk_deals_company_id" foreign key ("site_id", "company_id") references "mod_c7a1e0b2"."companies" ("site_id", "id") on delete set null ("company_id") on update no action;

-- 49. deals.contact_id -> contacts.id within the same site
alter table "mod_c7a1e0b2"."deals" add constraint "fk_deals_contact_id" foreign key ("site_id", "contact_id") references "mod_c7a1e0b2"."contacts" ("site_id", "id") on delete set null ("contact_id") on update no action;

-- 50. activities.contact_id -> contacts.id within the same site
alter table "mod_c7a1e0b2"."activities" add constraint "fk_activities_contact_id" foreign key ("site_id", "contact_id") references "mod_c7a1e0b2"."contacts" ("site_id", "id") on delete cascade on update no action;

-- 51. activities.deal_id -> deals.id within the same site
alter table "mod_c7a1e0b2"."activities" add constraint "fk_activities_deal_id" foreign key ("site_id", "deal_id") references "mod_c7a1e0b2"."deals" ("site_id", "id") on delete set null ("deal_id") on update no action;

commit;
