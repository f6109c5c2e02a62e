-- PostgreSQL for QuantumLedger (production): one database, one role and one schema per service.
-- Each service owns its schema and nothing else (design.md): a role can neither read nor write
-- another service's tables. Schemas are named {namespace}_{service}; the namespace is "ql".
CREATE DATABASE quantumledger;
\connect quantumledger
DO $$
DECLARE s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['ingest', 'provenance', 'card', 'reproduce', 'leaderboard', 'attestation', 'tlog', 'gateway'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ql_' || s) THEN
      EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', 'ql_' || s, 'change-me-' || s);
    END IF;
    EXECUTE format('GRANT CONNECT, CREATE ON DATABASE quantumledger TO %I', 'ql_' || s);
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', 'ql_' || s, 'ql_' || s);
    EXECUTE format('ALTER ROLE %I SET search_path = %I', 'ql_' || s, 'ql_' || s);
  END LOOP;
END $$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
