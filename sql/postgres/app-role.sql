-- Sistema APS on a municipality's e-SUS PEC database (PostgreSQL).
--
-- Run once as a superuser, in the PEC database, BEFORE the first `sistema-aps migrate`:
--
--   psql -d esus -v app_role=sistemaaps -v app_password="'...'" \
--        -v pec_owner=postgres -f sql/postgres/app-role.sql
--
-- `pec_owner` is the role that owns the PEC tables (`\dt public.tb_cidadao` shows it). When it
-- is not given, the owner of public.tb_cidadao is used (and printed). Tables that PEC upgrades
-- create later are created by that role, so the default privileges below are declared FOR it:
-- declared for whoever runs this script, they would never apply to the PEC's new tables.
--
-- The app role may read the PEC tables of `public` and owns nothing there; it owns schema
-- `sistemaaps`, where it creates its own tables. The audit trail is append-only for it:
-- after migrating, run sql/postgres/audit-append-only.sql.

\set ON_ERROR_STOP on

\if :{?pec_owner}
\else
SELECT (SELECT tableowner FROM pg_tables
         WHERE schemaname = 'public' AND tablename = 'tb_cidadao') AS pec_owner \gset
\if :{?pec_owner}
\echo 'PEC owner (owner of public.tb_cidadao):' :pec_owner
\else
DO $$ BEGIN
  RAISE EXCEPTION 'public.tb_cidadao not found: is this the PEC database? Give the owner of the PEC tables with -v pec_owner=ROLE';
END $$;
\endif
\endif

CREATE ROLE :app_role LOGIN PASSWORD :app_password;
GRANT CONNECT ON DATABASE :"DBNAME" TO :app_role;

-- Read-only access to the PEC: the tables that exist now, and those the PEC owner creates
-- later (PEC upgrades add tables).
GRANT USAGE ON SCHEMA public TO :app_role;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :app_role;
ALTER DEFAULT PRIVILEGES FOR ROLE :"pec_owner" IN SCHEMA public GRANT SELECT ON TABLES TO :app_role;

-- The app's own schema.
CREATE SCHEMA IF NOT EXISTS sistemaaps AUTHORIZATION :app_role;
-- In this database only (the server may host other databases where the role means nothing).
-- The app sets the same search path on its own connections; this one serves psql sessions.
ALTER ROLE :app_role IN DATABASE :"DBNAME" SET search_path = sistemaaps, public;
