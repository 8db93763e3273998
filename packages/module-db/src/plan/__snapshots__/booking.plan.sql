-- Module b00c1e55-7a2d-4f19-8c3e-5d6a7b8c9d20 (short id b00c1e55), version 2.1.0-beta.1+build.7
-- Strategy: prefix; schema: public; role: modrole_b00c1e55
-- The platform creates the roles modrole_b00c1e55, modadmin_b00c1e55 and modowner_b00c1e55 itself;
-- the statements below run as modowner_b00c1e55, which owns the module's objects and nothing else.
-- 46 statements, applied in one transaction
begin;

-- 1. create table public.mod_b00c1e55_calendars
create table "public"."mod_b00c1e55_calendars" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "name" text not null, "timezone" text default 'UTC' not null, "created_at" timestamp with time zone default now() not null, constraint "pk_mod_b00c1e55_calendars" primary key ("site_id", "id"), constraint "fk_mod_b00c1e55_calendars_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 2. modrole_b00c1e55 may select, insert, update, delete public.mod_b00c1e55_calendars (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_calendars" to "modrole_b00c1e55";

-- 3. modadmin_b00c1e55 may select, insert, update, delete public.mod_b00c1e55_calendars (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_calendars" to "modadmin_b00c1e55";

-- 4. enable row-level security
alter table "public"."mod_b00c1e55_calendars" enable row level security;

-- 5. force row-level security, on the owner too
alter table "public"."mod_b00c1e55_calendars" force row level security;

-- 6. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "public"."mod_b00c1e55_calendars" as permissive for all to "modrole_b00c1e55" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55'))));

-- 7. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "public"."mod_b00c1e55_calendars" as permissive for all to "modowner_b00c1e55" using (true) with check (true);

-- 8. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "public"."mod_b00c1e55_calendars" as permissive for all to "modadmin_b00c1e55" using (true) with check (true);

-- 9. create table public.mod_b00c1e55_resources
create table "public"."mod_b00c1e55_resources" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "calendar_id" uuid not null, "name" text not null, "kind" text not null, "capacity" integer default 1 not null, constraint "pk_mod_b00c1e55_resources" primary key ("site_id", "id"), constraint "ck_mod_b00c1e55_resources_capacity" check (("capacity" > 0)), constraint "ck_mod_b00c1e55_resources_kind" check (("kind" in ('room', 'equipment', 'staff'))), constraint "fk_mod_b00c1e55_resources_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 10. modrole_b00c1e55 may select, insert, update, delete public.mod_b00c1e55_resources (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_resources" to "modrole_b00c1e55";

-- 11. modadmin_b00c1e55 may select, insert, update, delete public.mod_b00c1e55_resources (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_resources" to "modadmin_b00c1e55";

-- 12. enable row-level security
alter table "public"."mod_b00c1e55_resources" enable row level security;

-- 13. force row-level security, on the owner too
alter table "public"."mod_b00c1e55_resources" force row level security;

-- 14. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "public"."mod_b00c1e55_resources" as permissive for all to "modrole_b00c1e55" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55'))));

-- 15. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "public"."mod_b00c1e55_resources" as permissive for all to "modowner_b00c1e55" using (true) with check (true);

-- 16. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "public"."mod_b00c1e55_resources" as permissive for all to "modadmin_b00c1e55" using (true) with check (true);

-- 17. index idx_mod_b00c1e55_resources_site_id_calendar_id for the foreign key
create index "idx_mod_b00c1e55_resources_site_id_calendar_id" on "public"."mod_b00c1e55_resources" ("site_id", "calendar_id");

-- 18. create table public.mod_b00c1e55_appointments
create table "public"."mod_b00c1e55_appointments" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "calendar_id" uuid not null, "resource_id" uuid, "staff_user_id" uuid, "customer_name" text not null, "customer_email" character varying(320), "starts_at" timestamp with time zone not null, "ends_at" timestamp with time zone not null, "status" text default 'booked' not null, "notes" text, "created_at" timestamp with time zone default now() not null, "updated_at" timestamp with time zone default now() not null, constraint "pk_mod_b00c1e55_appointments" primary key ("site_id", "id"), constraint "ck_mod_b00c1e55_appointments_ends_at" check (("ends_at" > "starts_at")), constraint "ck_mod_b00c1e55_appointments_status" check (("status" in ('booked', 'confirmed', 'cancelled', 'completed'))), constraint "fk_mod_b00c1e55_appointments_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 19. modrole_b00c1e55 may select, insert, update, delete public.mod_b00c1e55_appointments (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_appointments" to "modrole_b00c1e55";

-- 20. modadmin_b00c1e55 may select, insert, update, delete public.mod_b00c1e55_appointments (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_appointments" to "modadmin_b00c1e55";

-- 21. enable row-level security
alter table "public"."mod_b00c1e55_appointments" enable row level security;

-- 22. force row-level security, on the owner too
alter table "public"."mod_b00c1e55_appointments" force row level security;

-- 23. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "public"."mod_b00c1e55_appointments" as permissive for all to "modrole_b00c1e55" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55'))));

-- 24. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "public"."mod_b00c1e55_appointments" as permissive for all to "modowner_b00c1e55" using (true) with check (true);

-- 25. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "public"."mod_b00c1e55_appointments" as permissive for all to "modadmin_b00c1e55" using (true) with check (true);

-- 26. module policy no_writes_to_past_slots (restrictive: narrows, never widens)
create policy "no_writes_to_past_slots" on "public"."mod_b00c1e55_appointments" as restrictive for insert to "modrole_b00c1e55" with check (("ends_at" > now()));

-- 27. references to platform rows stay within the site's own tenant
create trigger "trg_mod_b00c1e55_appointments_tenant_refs" before insert or update on "public"."mod_b00c1e55_appointments" for each row execute function "public"."dramac_check_tenant_references"('staff_user_id', 'users');

-- 28. keep updated_at current with the shared platform trigger function
create trigger "trg_mod_b00c1e55_appointments_updated_at" before update on "public"."mod_b00c1e55_appointments" for each row execute function "public"."dramac_set_updated_at"();

-- 29. index idx_mod_b00c1e55_appointments_site_id_calendar_id_starts_at
create index "idx_mod_b00c1e55_appointments_site_id_calendar_id_starts_at" on "public"."mod_b00c1e55_appointments" ("site_id", "calendar_id", "starts_at");

-- 30. index idx_mod_b00c1e55_appointments_site_id_resource_id for the foreign key
create index "idx_mod_b00c1e55_appointments_site_id_resource_id" on "public"."mod_b00c1e55_appointments" ("site_id", "resource_id");

-- 31. index idx_mod_b00c1e55_appointments_site_id_staff_user_id_starts_at
create index "idx_mod_b00c1e55_appointments_site_id_staff_user_id_starts_at" on "public"."mod_b00c1e55_appointments" ("site_id", "staff_user_id", "starts_at") where ("status" <> 'cancelled');

-- 32. index idx_mod_b00c1e55_appointments_staff_user_id for the foreign key
create index "idx_mod_b00c1e55_appointments_staff_user_id" on "public"."mod_b00c1e55_appointments" ("staff_user_id");

-- 33. create table public.mod_b00c1e55_availability
create table "public"."mod_b00c1e55_availability" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "calendar_id" uuid not null, "weekday" smallint not null, "start_time" time without time zone not null, "end_time" time without time zone not null, constraint "pk_mod_b00c1e55_availability" primary key ("site_id", "id"), constraint "ck_mod_b00c1e55_availability_end_time" check (("end_time" > "start_time")), constraint "ck_mod_b00c1e55_availability_weekday" check (("weekday" between 0 and 6)), constraint "fk_mod_b00c1e55_availability_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 34. modrole_b00c1e55 may select, insert, update, delete public.mod_b00c1e55_availability (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_availability" to "modrole_b00c1e55";

-- 35. modadmin_b00c1e55 may select, insert, update, delete public.mod_b00c1e55_availability (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_availability" to "modadmin_b00c1e55";

-- 36. enable row-level security
alter table "public"."mod_b00c1e55_availability" enable row level security;

-- 37. force row-level security, on the owner too
alter table "public"."mod_b00c1e55_availability" force row level security;

-- 38. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "public"."mod_b00c1e55_availability" as permissive for all to "modrole_b00c1e55" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55'))));

-- 39. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "public"."mod_b00c1e55_availability" as permissive for all to "modowner_b00c1e55" using (true) with check (true);

-- 40. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "public"."mod_b00c1e55_availability" as permissive for all to "modadmin_b00c1e55" using (true) with check (true);

-- 41. index idx_mod_b00c1e55_availability_site_id_calendar_id_weekday
create index "idx_mod_b00c1e55_availability_site_id_calendar_id_weekday" on "public"."mod_b00c1e55_availability" ("site_id", "calendar_id", "weekday");

-- 42. resources.calendar_id -> mod_b00c1e55_calendars.id within the same site
alter table "public"."mod_b00c1e55_resources" add constraint "fk_mod_b00c1e55_resources_calendar_id" foreign key ("site_id", "calendar_id") references "public"."mod_b00c1e55_calendars" ("site_id", "id") on delete cascade on update no action;

-- 43. appointments.calendar_id -> mod_b00c1e55_calendars.id within the same site
alter table "public"."mod_b00c1e55_appointments" add constraint "fk_mod_b00c1e55_appointments_calendar_id" foreign key ("site_id", "calendar_id") references "public"."mod_b00c1e55_calendars" ("site_id", "id") on delete cascade on update no action;

-- 44. appointments.resource_id -> mod_b00c1e55_resources.id within the same site
alter table "public"."mod_b00c1e55_appointments" add constraint "fk_mod_b00c1e55_appointments_resource_id" foreign key ("site_id", "resource_id") references "public"."mod_b00c1e55_resources" ("site_id", "id") on delete set null ("resource_id") on update no action;

-- 45. appointments.staff_user_id -> auth.users.id
alter table "public"."mod_b00c1e55_appointments" add constraint "fk_mod_b00c1e55_appointments_staff_user_id" foreign key ("staff_user_id") references "auth"."users" ("id") on delete set null on update no action;

-- 46. availability.calendar_id -> mod_b00c1e55_calendars.id within the same site
alter table "public"."mod_b00c1e55_availability" add constraint "fk_mod_b00c1e55_availability_calendar_id" foreign key ("site_id", "calendar_id") references "public"."mod_b00c1e55_calendars" ("site_id", "id") on delete cascade on update no action;

commit;
