-- The database role of pipeline-archiver, with exactly the privileges the archive job uses.
--
-- Run it once per backend database, connected to that database as its owner or a superuser:
--     psql -d pipelines -v ON_ERROR_STOP=1 -f config/least-privilege.sql
-- then give the role its password out of band, from your secret store (never in this file):
--     psql -d pipelines -c '\password pipeline_archiver'
-- and point the job at it: SPRING_DATASOURCE_USERNAME=pipeline_archiver, SPRING_DATASOURCE_PASSWORD=...
--
-- Idempotent: running it again changes nothing. Plain SQL (no psql meta-commands), so any client runs it.
-- It names the backend's standard tables (schema public, archiver.source.* defaults); if your
-- settings differ, or a run's deletion cascades to more tables, grant SELECT on those too: the job
-- checks its privileges before it writes anything and names any it lacks (exit 2).

-- A login role that owns nothing of the backend's and inherits nothing.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipeline_archiver') THEN
    CREATE ROLE pipeline_archiver LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
END $$;

-- Connect to this database (whatever its name).
DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO pipeline_archiver', current_database());
END $$;

-- Read the backend's runs, steps and LLM calls (the export, and the check of each delete).
GRANT USAGE ON SCHEMA public TO pipeline_archiver;
GRANT SELECT ON public.pipeline_runs, public.pipeline_steps, public.llm_calls TO pipeline_archiver;

-- Delete archived runs by id. The purge deletes a run's calls and steps itself before the run, each
-- DELETE ... RETURNING what it removed, and checks that against the archive in the same transaction.
-- Without DELETE on pipeline_steps and llm_calls it still works, through the foreign keys' cascade
-- (which runs with the tables' owner's rights), but counts every run's rows first: ~10 % more
-- PostgreSQL time per delete (docs/decisions/0009-purge-totals-check.md).
GRANT DELETE ON public.pipeline_runs, public.pipeline_steps, public.llm_calls TO pipeline_archiver;

-- The purge locks the runs it is about to delete (SELECT ... FOR UPDATE, so that the backend cannot add a
-- step to a run while it is being deleted); PostgreSQL requires UPDATE on at least one column
-- for a row lock. The job never updates a run: the key column is granted, whose change the foreign keys
-- refuse for any run that has steps.
GRANT UPDATE (id) ON public.pipeline_runs TO pipeline_archiver;

-- The archiver's own schema (ledger, Spring Batch metadata, Flyway history): owned by the role, so that
-- Flyway creates and migrates it at start without CREATE on the database. If an earlier deployment
-- created it under another role, everything in it is handed over.
CREATE SCHEMA IF NOT EXISTS archiver AUTHORIZATION pipeline_archiver;
DO $$
DECLARE
  object record;
BEGIN
  EXECUTE 'ALTER SCHEMA archiver OWNER TO pipeline_archiver';
  FOR object IN
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'archiver' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND pg_get_userbyid(c.relowner) <> 'pipeline_archiver'
      -- a serial's sequence follows its table
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype IN ('a', 'i') AND d.refclassid = 'pg_class'::regclass)
  LOOP
    EXECUTE format(CASE object.relkind WHEN 'S' THEN 'ALTER SEQUENCE archiver.%I OWNER TO pipeline_archiver'
                                       WHEN 'v' THEN 'ALTER VIEW archiver.%I OWNER TO pipeline_archiver'
                                       WHEN 'm' THEN 'ALTER MATERIALIZED VIEW archiver.%I OWNER TO pipeline_archiver'
                                       ELSE 'ALTER TABLE archiver.%I OWNER TO pipeline_archiver' END, object.relname);
  END LOOP;
END $$;

-- Nothing else. (PUBLIC keeps PostgreSQL's defaults: CONNECT and TEMPORARY on databases; since
-- PostgreSQL 15 no CREATE on schema public. Revoke those from PUBLIC if your policy requires it.)
