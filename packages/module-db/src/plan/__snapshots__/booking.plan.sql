-- Module b00c1e55-7a2d-4f19-8c3e-5d6a7b8c9d20 (short id b00c1e55), version 2.1.0-beta.1+build.7
-- Strategy: prefix; schema: public; role: modrole_b00c1e55
-- 44 statements, applied in one transaction
begin;

-- 1. create the module role modrole_b00c1e55
create role "modrole_b00c1e55" nologin noinherit;

-- 2. create the module admin role modadmin_b00c1e55 (bypasses RLS, this module's tables only)
create role "modadmin_b00c1e55" nologin noinherit bypassrls;

-- 3. modrole_b00c1e55 may call the platform's policy helpers
grant execute on function "public"."dramac_current_site_id"(), "public"."dramac_current_user_id"(), "public"."dramac_can_access_current_site"(text) to "modrole_b00c1e55";

-- 4. create table public.mod_b00c1e55_calendars
create table "public"."mod_b00c1e55_calendars" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "name" text not null, "timezone" text default 'UTC' not null, "created_at" timestamptz default now() not null, constraint "pk_mod_b00c1e55_calendars" primary key ("id"), constraint "uq_mod_b00c1e55_calendars_site_id_id" unique ("site_id", "id"), constraint "fk_mod_b00c1e55_calendars_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade);

-- 5. no direct access for PUBLIC, anon, authenticated, service_role
revoke all on table "public"."mod_b00c1e55_calendars" from public, "anon", "authenticated", "service_role";

-- 6. modrole_b00c1e55 may read and write public.mod_b00c1e55_calendars (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_calendars" to "modrole_b00c1e55";

-- 7. modadmin_b00c1e55 may read and write public.mod_b00c1e55_calendars on every site (server-only admin client)
grant select, insert, update, delete on table "public"."mod_b00c1e55_calendars" to "modadmin_b00c1e55";

-- 8. enable row-level security
alter table "public"."mod_b00c1e55_calendars" enable row level security;

-- 9. force row-level security, on the owner too
alter table "public"."mod_b00c1e55_calendars" force row level security;

-- 10. rows of the request site only, for members of its agency, where the module is installed
create policy "dramac_site_isolation" on "public"."mod_b00c1e55_calendars" as permissive for all to "modrole_b00c1e55" using ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55'))) with check ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55')));

-- 11. create table public.mod_b00c1e55_resources
create table "public"."mod_b00c1e55_resources" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "calendar_id" uuid not null, "name" text not null, "kind" text not null, "capacity" integer default 1 not null, constraint "pk_mod_b00c1e55_resources" primary key ("id"), constraint "uq_mod_b00c1e55_resources_site_id_id" unique ("site_id", "id"), constraint "ck_mod_b00c1e55_resources_kind" check (("kind" in ('room', 'equipment', 'staff'))), constraint "ck_mod_b00c1e55_resources_capacity" check (("capacity" > 0)), constraint "fk_mod_b00c1e55_resources_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade);

-- 12. no direct access for PUBLIC, anon, authenticated, service_role
revoke all on table "public"."mod_b00c1e55_resources" from public, "anon", "authenticated", "service_role";

-- 13. modrole_b00c1e55 may read and write public.mod_b00c1e55_resources (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_resources" to "modrole_b00c1e55";

-- 14. modadmin_b00c1e55 may read and write public.mod_b00c1e55_resources on every site (server-only admin client)
grant select, insert, update, delete on table "public"."mod_b00c1e55_resources" to "modadmin_b00c1e55";

-- 15. enable row-level security
alter table "public"."mod_b00c1e55_resources" enable row level security;

-- 16. force row-level security, on the owner too
alter table "public"."mod_b00c1e55_resources" force row level security;

-- 17. rows of the request site only, for members of its agency, where the module is installed
create policy "dramac_site_isolation" on "public"."mod_b00c1e55_resources" as permissive for all to "modrole_b00c1e55" using ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55'))) with check ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55')));

-- 18. index idx_mod_b00c1e55_resources_site_id_calendar_id for the foreign key
create index "idx_mod_b00c1e55_resources_site_id_calendar_id" on "public"."mod_b00c1e55_resources" ("site_id", "calendar_id");

-- 19. create table public.mod_b00c1e55_appointments
create table "public"."mod_b00c1e55_appointments" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "calendar_id" uuid not null, "resource_id" uuid, "staff_user_id" uuid, "customer_name" text not null, "customer_email" varchar(320), "starts_at" timestamptz not null, "ends_at" timestamptz not null, "status" text default 'booked' not null, "notes" text, "created_at" timestamptz default now() not null, "updated_at" timestamptz default now() not null, constraint "pk_mod_b00c1e55_appointments" primary key ("id"), constraint "uq_mod_b00c1e55_appointments_site_id_id" unique ("site_id", "id"), constraint "ck_mod_b00c1e55_appointments_ends_at" check (("ends_at" > "starts_at")), constraint "ck_mod_b00c1e55_appointments_status" check (("status" in ('booked', 'confirmed', 'cancelled', 'completed'))), constraint "fk_mod_b00c1e55_appointments_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade);

-- 20. no direct access for PUBLIC, anon, authenticated, service_role
revoke all on table "public"."mod_b00c1e55_appointments" from public, "anon", "authenticated", "service_role";

-- 21. modrole_b00c1e55 may read and write public.mod_b00c1e55_appointments (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_appointments" to "modrole_b00c1e55";

-- 22. modadmin_b00c1e55 may read and write public.mod_b00c1e55_appointments on every site (server-only admin client)
grant select, insert, update, delete on table "public"."mod_b00c1e55_appointments" to "modadmin_b00c1e55";

-- 23. enable row-level security
alter table "public"."mod_b00c1e55_appointments" enable row level security;

-- 24. force row-level security, on the owner too
alter table "public"."mod_b00c1e55_appointments" force row level security;

-- 25. rows of the request site only, for members of its agency, where the module is installed
create policy "dramac_site_isolation" on "public"."mod_b00c1e55_appointments" as permissive for all to "modrole_b00c1e55" using ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55'))) with check ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55')));

-- 26. module policy no_writes_to_past_slots (restrictive: narrows, never widens)
create policy "no_writes_to_past_slots" on "public"."mod_b00c1e55_appointments" as restrictive for insert to "modrole_b00c1e55" with check (("ends_at" > now()));

-- 27. keep updated_at current with the shared platform trigger function
create trigger "trg_mod_b00c1e55_appointments_updated_at" before update on "public"."mod_b00c1e55_appointments" for each row execute function "public"."dramac_set_updated_at"();

-- 28. index idx_mod_b00c1e55_appointments_site_id_calendar_id_starts_at
create index "idx_mod_b00c1e55_appointments_site_id_calendar_id_starts_at" on "public"."mod_b00c1e55_appointments" ("site_id", "calendar_id", "starts_at");

-- 29. index idx_mod_b00c1e55_appointments_site_id_staff_user_id_starts_at
create index "idx_mod_b00c1e55_appointments_site_id_staff_user_id_starts_at" on "public"."mod_b00c1e55_appointments" ("site_id", "staff_user_id", "starts_at") where ("status" <> 'cancelled');

-- 30. index idx_mod_b00c1e55_appointments_site_id_resource_id for the foreign key
create index "idx_mod_b00c1e55_appointments_site_id_resource_id" on "public"."mod_b00c1e55_appointments" ("site_id", "resource_id");

-- 31. index idx_mod_b00c1e55_appointments_staff_user_id for the foreign key
create index "idx_mod_b00c1e55_appointments_staff_user_id" on "public"."mod_b00c1e55_appointments" ("staff_user_id");

-- 32. create table public.mod_b00c1e55_availability
create table "public"."mod_b00c1e55_availability" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "calendar_id" uuid not null, "weekday" smallint not null, "start_time" time not null, "end_time" time not null, constraint "pk_mod_b00c1e55_availability" primary key ("id"), constraint "uq_mod_b00c1e55_availability_site_id_id" unique ("site_id", "id"), constraint "ck_mod_b00c1e55_availability_weekday" check (("weekday" between 0 and 6)), constraint "ck_mod_b00c1e55_availability_end_time" check (("end_time" > "start_time")), constraint "fk_mod_b00c1e55_availability_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade);

-- 33. no direct access for PUBLIC, anon, authenticated, service_role
revoke all on table "public"."mod_b00c1e55_availability" from public, "anon", "authenticated", "service_role";

-- 34. modrole_b00c1e55 may read and write public.mod_b00c1e55_availability (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_b00c1e55_availability" to "modrole_b00c1e55";

-- 35. modadmin_b00c1e55 may read and write public.mod_b00c1e55_availability on every site (server-only admin client)
grant select, insert, update, delete on table "public"."mod_b00c1e55_availability" to "modadmin_b00c1e55";

-- 36. enable row-level security
alter table "public"."mod_b00c1e55_availability" enable row level security;

-- 37. force row-level security, on the owner too
alter table "public"."mod_b00c1e55_availability" force row level security;

-- 38. rows of the request site only, for members of its agency, where the module is installed
create policy "dramac_site_isolation" on "public"."mod_b00c1e55_availability" as permissive for all to "modrole_b00c1e55" using ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55'))) with check ("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('b00c1e55')));

-- 39. index idx_mod_b00c1e55_availability_site_id_calendar_id_weekday
create index "idx_mod_b00c1e55_availability_site_id_calendar_id_weekday" on "public"."mod_b00c1e55_availability" ("site_id", "calendar_id", "weekday");

-- 40. resources.calendar_id -> calendars.id within the same site
alter table "public"."mod_b00c1e55_resources" add constraint "fk_mod_b00c1e55_resources_calendar_id" foreign key ("site_id", "calendar_id") references "public"."mod_b00c1e55_calendars" ("site_id", "id") on delete cascade on update no action;

-- 41. appointments.calendar_id -> calendars.id within the same site
alter table "public"."mod_b00c1e55_appointments" add constraint "fk_mod_b00c1e55_appointments_calendar_id" foreign key ("site_id", "calendar_id") references "public"."mod_b00c1e55_calendars" ("site_id", "id") on delete cascade on update no action;

-- 42. appointments.resource_id -> resources.id within the same site
alter table "public"."mod_b00c1e55_appointments" add constraint "fk_mod_b00c1e55_appointments_resource_id" foreign key ("site_id", "resource_id") references "public"."mod_b00c1e55_resources" ("site_id", "id") on delete set null ("resource_id") on update no action;

-- 43. appointments.staff_user_id -> auth.users.id
alter table "public"."mod_b00c1e55_appointments" add constraint "fk_mod_b00c1e55_appointments_staff_user_id" foreign key ("staff_user_id") references "auth"."users" ("id") on delete set null on update no action;

-- 44. availability.calendar_id -> calendars.id within the same site
alter table "public"."mod_b00c1e55_availability" add constraint "fk_mod_b00c1e55_availability_calendar_id" foreign key ("site_id", "calendar_id") references "public"."mod_b00c1e55_calendars" ("site_id", "id") on delete cascade on update no action;

commit;
