-- Sistema APS on a municipality's e-SUS PEC database (PostgreSQL).
--
-- Run once as a superuser (or the database owner), in the PEC database, BEFORE the first
-- `sistema-aps migrate`:
--
--   psql -d esus -v app_role=sistemaaps -v app_password="'...'" -f sql/postgres/app-role.sql
--
-- The app role may read the PEC tables of `public` and owns nothing there; it owns schema
-- `sistemaaps`, where it creates its own tables. The audit trail is append-only for it:
-- after migrating, run sql/postgres/audit-append-only.sql.

CREATE ROLE :app_role LOGIN PASSWORD :app_password;
GRANT CONNECT ON DATABASE :"DBNAME" TO :app_role;

-- Read-only access to the PEC.
GRANT USAGE ON SCHEMA public TO :app_role;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :app_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO :app_role;

-- The app's own schema.
CREATE SCHEMA IF NOT EXISTS sistemaaps AUTHORIZATION :app_role;
ALTER ROLE :app_role SET search_path = sistemaaps, public;
