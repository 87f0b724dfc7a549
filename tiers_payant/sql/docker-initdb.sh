#!/bin/sh
# First start of the postgres container (docker-compose.yml): the superuser
# POSTGRES_USER creates the application's ordinary role and its database.
set -e
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -f /docker-entrypoint-initdb.d/application_role.sql.in
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
  -c "ALTER ROLE tiers_payant PASSWORD '${APP_DB_PASSWORD}'" \
  -c "CREATE DATABASE tiers_payant OWNER tiers_payant"
