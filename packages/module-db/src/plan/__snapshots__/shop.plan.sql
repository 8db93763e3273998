-- Module 5e0b7a11-2c4d-4e6f-8a1b-3c5d7e9f1a30 (short id 5e0b7a11), version 0.3.12
-- Strategy: prefix; schema: public; role: modrole_5e0b7a11
-- The platform creates the roles modrole_5e0b7a11, modadmin_5e0b7a11 and modowner_5e0b7a11 itself;
-- the statements below run as modowner_5e0b7a11, which owns the module's objects and nothing else.
-- 41 statements, applied in one transaction
begin;

-- 1. create table public.mod_5e0b7a11_customers
create table "public"."mod_5e0b7a11_customers" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "email" citext not null, "full_name" text not null, "phone" text, "created_at" timestamp with time zone default now() not null, constraint "pk_mod_5e0b7a11_customers" primary key ("site_id", "id"), constraint "uq_mod_5e0b7a11_customers_site_id_email" unique ("site_id", "email"), constraint "fk_mod_5e0b7a11_customers_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 2. modrole_5e0b7a11 may select, insert, update, delete public.mod_5e0b7a11_customers (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_5e0b7a11_customers" to "modrole_5e0b7a11";

-- 3. modadmin_5e0b7a11 may select, insert, update, delete public.mod_5e0b7a11_customers (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_5e0b7a11_customers" to "modadmin_5e0b7a11";

-- 4. enable row-level security
alter table "public"."mod_5e0b7a11_customers" enable row level security;

-- 5. force row-level security, on the owner too
alter table "public"."mod_5e0b7a11_customers" force row level security;

-- 6. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "public"."mod_5e0b7a11_customers" as permissive for all to "modrole_5e0b7a11" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('5e0b7a11')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('5e0b7a11'))));

-- 7. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "public"."mod_5e0b7a11_customers" as permissive for all to "modowner_5e0b7a11" using (true) with check (true);

-- 8. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "public"."mod_5e0b7a11_customers" as permissive for all to "modadmin_5e0b7a11" using (true) with check (true);

-- 9. create table public.mod_5e0b7a11_products
create table "public"."mod_5e0b7a11_products" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "sku" text not null, "name" text not null, "description" text, "price" numeric(10,2) not null, "currency" text default 'USD' not null, "stock" integer default 0 not null, "active" boolean default true not null, "attributes" jsonb default '{}'::jsonb not null, "updated_at" timestamp with time zone default now() not null, constraint "pk_mod_5e0b7a11_products" primary key ("site_id", "id"), constraint "uq_mod_5e0b7a11_products_site_id_sku" unique ("site_id", "sku"), constraint "ck_mod_5e0b7a11_products_currency" check (("currency" in ('USD', 'EUR', 'GBP'))), constraint "ck_mod_5e0b7a11_products_price" check (("price" >= 0)), constraint "ck_mod_5e0b7a11_products_stock" check (("stock" >= 0)), constraint "fk_mod_5e0b7a11_products_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 10. modrole_5e0b7a11 may select, insert, update, delete public.mod_5e0b7a11_products (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_5e0b7a11_products" to "modrole_5e0b7a11";

-- 11. modadmin_5e0b7a11 may select, insert, update, delete public.mod_5e0b7a11_products (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_5e0b7a11_products" to "modadmin_5e0b7a11";

-- 12. enable row-level security
alter table "public"."mod_5e0b7a11_products" enable row level security;

-- 13. force row-level security, on the owner too
alter table "public"."mod_5e0b7a11_products" force row level security;

-- 14. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "public"."mod_5e0b7a11_products" as permissive for all to "modrole_5e0b7a11" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('5e0b7a11')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('5e0b7a11'))));

-- 15. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "public"."mod_5e0b7a11_products" as permissive for all to "modowner_5e0b7a11" using (true) with check (true);

-- 16. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "public"."mod_5e0b7a11_products" as permissive for all to "modadmin_5e0b7a11" using (true) with check (true);

-- 17. keep updated_at current with the shared platform trigger function
create trigger "trg_mod_5e0b7a11_products_updated_at" before update on "public"."mod_5e0b7a11_products" for each row execute function "public"."dramac_set_updated_at"();

-- 18. index idx_mod_5e0b7a11_products_site_id_active_name
create index "idx_mod_5e0b7a11_products_site_id_active_name" on "public"."mod_5e0b7a11_products" ("site_id", "active", "name");

-- 19. create table public.mod_5e0b7a11_orders
create table "public"."mod_5e0b7a11_orders" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "customer_id" uuid, "status" text default 'pending' not null, "total" numeric(12,2) default 0 not null, "placed_at" timestamp with time zone default now() not null, "updated_at" timestamp with time zone default now() not null, constraint "pk_mod_5e0b7a11_orders" primary key ("site_id", "id"), constraint "ck_mod_5e0b7a11_orders_status" check (("status" in ('pending', 'paid', 'shipped', 'cancelled', 'refunded'))), constraint "ck_mod_5e0b7a11_orders_total" check (("total" >= 0)), constraint "fk_mod_5e0b7a11_orders_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 20. modrole_5e0b7a11 may select, insert, update, delete public.mod_5e0b7a11_orders (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_5e0b7a11_orders" to "modrole_5e0b7a11";

-- 21. modadmin_5e0b7a11 may select, insert, update, delete public.mod_5e0b7a11_orders (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_5e0b7a11_orders" to "modadmin_5e0b7a11";

-- 22. enable row-level security
alter table "public"."mod_5e0b7a11_orders" enable row level security;

-- 23. force row-level security, on the owner too
alter table "public"."mod_5e0b7a11_orders" force row level security;

-- 24. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "public"."mod_5e0b7a11_orders" as permissive for all to "modrole_5e0b7a11" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('5e0b7a11')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('5e0b7a11'))));

-- 25. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "public"."mod_5e0b7a11_orders" as permissive for all to "modowner_5e0b7a11" using (true) with check (true);

-- 26. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "public"."mod_5e0b7a11_orders" as permissive for all to "modadmin_5e0b7a11" using (true) with check (true);

-- 27. keep updated_at current with the shared platform trigger function
create trigger "trg_mod_5e0b7a11_orders_updated_at" before update on "public"."mod_5e0b7a11_orders" for each row execute function "public"."dramac_set_updated_at"();

-- 28. index idx_mod_5e0b7a11_orders_site_id_customer_id for the foreign key
create index "idx_mod_5e0b7a11_orders_site_id_customer_id" on "public"."mod_5e0b7a11_orders" ("site_id", "customer_id");

-- 29. create table public.mod_5e0b7a11_cart_items
create table "public"."mod_5e0b7a11_cart_items" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "customer_id" uuid not null, "product_id" uuid not null, "quantity" integer default 1 not null, "added_at" timestamp with time zone default now() not null, constraint "pk_mod_5e0b7a11_cart_items" primary key ("site_id", "id"), constraint "ck_mod_5e0b7a11_cart_items_quantity" check (("quantity" > 0)), constraint "fk_mod_5e0b7a11_cart_items_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action);

-- 30. modrole_5e0b7a11 may select, insert, update, delete public.mod_5e0b7a11_cart_items (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_5e0b7a11_cart_items" to "modrole_5e0b7a11";

-- 31. modadmin_5e0b7a11 may select, insert, update, delete public.mod_5e0b7a11_cart_items (rows still filtered by policy)
grant select, insert, update, delete on table "public"."mod_5e0b7a11_cart_items" to "modadmin_5e0b7a11";

-- 32. enable row-level security
alter table "public"."mod_5e0b7a11_cart_items" enable row level security;

-- 33. force row-level security, on the owner too
alter table "public"."mod_5e0b7a11_cart_items" force row level security;

-- 34. policy dramac_site_isolation (permissive, platform)
create policy "dramac_site_isolation" on "public"."mod_5e0b7a11_cart_items" as permissive for all to "modrole_5e0b7a11" using (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('5e0b7a11')))) with check (("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('5e0b7a11'))));

-- 35. policy dramac_owner_access (permissive, platform)
create policy "dramac_owner_access" on "public"."mod_5e0b7a11_cart_items" as permissive for all to "modowner_5e0b7a11" using (true) with check (true);

-- 36. policy dramac_admin_access (permissive, platform)
create policy "dramac_admin_access" on "public"."mod_5e0b7a11_cart_items" as permissive for all to "modadmin_5e0b7a11" using (true) with check (true);

-- 37. index idx_mod_5e0b7a11_cart_items_site_id_product_id for the foreign key
create index "idx_mod_5e0b7a11_cart_items_site_id_product_id" on "public"."mod_5e0b7a11_cart_items" ("site_id", "product_id");

-- 38. index uq_mod_5e0b7a11_cart_items_site_id_customer_id_product_id
create unique index "uq_mod_5e0b7a11_cart_items_site_id_customer_id_product_id" on "public"."mod_5e0b7a11_cart_items" ("site_id", "customer_id", "product_id");

-- 39. orders.customer_id -> mod_5e0b7a11_customers.id within the same site
alter table "public"."mod_5e0b7a11_orders" add constraint "fk_mod_5e0b7a11_orders_customer_id" foreign key ("site_id", "customer_id") references "public"."mod_5e0b7a11_customers" ("site_id", "id") on delete set null ("customer_id") on update no action;

-- 40. cart_items.customer_id -> mod_5e0b7a11_customers.id within the same site
alter table "public"."mod_5e0b7a11_cart_items" add constraint "fk_mod_5e0b7a11_cart_items_customer_id" foreign key ("site_id", "customer_id") references "public"."mod_5e0b7a11_customers" ("site_id", "id") on delete cascade on update no action;

-- 41. cart_items.product_id -> mod_5e0b7a11_products.id within the same site
alter table "public"."mod_5e0b7a11_cart_items" add constraint "fk_mod_5e0b7a11_cart_items_product_id" foreign key ("site_id", "product_id") references "public"."mod_5e0b7a11_products" ("site_id", "id") on delete cascade on update no action;

commit;
