#!/bin/sh
# First start of the PostgreSQL volume only (docker-entrypoint-initdb.d): one role and database(s)
# per owner. Temporal's schema is then applied by the temporal-schema service, Gongkai's by
# `gongkai setup`. Passwords come from the environment (.env), never from this file; psql
# variables (:'...') quote them, so any character is safe here.
set -e
: "${TEMPORAL_DB_PASSWORD:?set TEMPORAL_DB_PASSWORD}" "${READ_MODEL_DB_PASSWORD:?set READ_MODEL_DB_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v temporal_password="$TEMPORAL_DB_PASSWORD" \
    -v read_model_password="$READ_MODEL_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;

CREATE ROLE gongkai LOGIN PASSWORD :'read_model_password';
CREATE DATABASE gongkai OWNER gongkai;
SQL
