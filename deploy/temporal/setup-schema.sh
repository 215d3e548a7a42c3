#!/bin/sh
# Brings Temporal's two databases (made by deploy/postgres/init-databases.sh) to the schema of
# this admin-tools version. Idempotent: a fresh database gets every versioned step, an existing
# one only the steps it lacks — which is how a server upgrade migrates (docs/deployment.md).
set -eu

schema=/etc/temporal/schema/postgresql/v12
sql() { temporal-sql-tool --plugin postgres12 --ep postgres -p 5432 -u temporal "$@"; }  # SQL_PASSWORD from env

sql --db temporal setup-schema -v 0.0
sql --db temporal update-schema -d "$schema/temporal/versioned"
sql --db temporal_visibility setup-schema -v 0.0
sql --db temporal_visibility update-schema -d "$schema/visibility/versioned"
echo "temporal schema is current"
