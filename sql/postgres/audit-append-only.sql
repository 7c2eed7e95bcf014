-- Makes the audit trail append-only for the application role: it may add rows and read
-- them, never change or remove them. Run as a superuser after `sistema-aps migrate`
-- (and again after any upgrade that recreates the tables):
--
--   psql -d esus -v app_role=sistemaaps -f sql/postgres/audit-append-only.sql
--
-- The tables are handed to a separate owner (the role running this script), because an
-- owner can always grant itself back any privilege.

ALTER TABLE sistemaaps.audit_log OWNER TO CURRENT_USER;
ALTER TABLE sistemaaps.audit_log_person OWNER TO CURRENT_USER;
REVOKE ALL ON sistemaaps.audit_log, sistemaaps.audit_log_person FROM PUBLIC;
REVOKE ALL ON sistemaaps.audit_log, sistemaaps.audit_log_person FROM :app_role;
GRANT SELECT, INSERT ON sistemaaps.audit_log, sistemaaps.audit_log_person TO :app_role;
-- The head of the hash chain is updated on every insert; it holds no evidence by itself
-- (`sistema-aps audit verify` compares it with the rows).
GRANT SELECT, UPDATE ON sistemaaps.audit_head TO :app_role;
-- `sistema-aps backup` runs pg_dump as the app role, and pg_dump reads every sequence's
-- last value. SELECT on the sequence allows only that (not nextval, not setval).
GRANT SELECT ON SEQUENCE sistemaaps.audit_log_id_seq TO :app_role;
