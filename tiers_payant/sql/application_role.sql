-- The application's role: an ordinary one (no superuser, no BYPASSRLS) that owns
-- its tables, so PostgreSQL row-level security applies to it
-- (pharmacies/row_security.py). CREATEDB lets the tests make their database.
-- Run by a superuser: .ci/run on the machine's server, tiers_payant/database.py
-- on the embedded one.
DO $$BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tiers_payant') THEN
    CREATE ROLE tiers_payant LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS;
  END IF;
END$$;
