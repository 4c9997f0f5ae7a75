#!/bin/sh
# Back up the PayBridge database: a pg_dump custom-format archive, written under a temporary name and renamed
# once complete (a half-written dump never looks like a backup), then old dumps pruned.
#
#   DATABASE_URL=postgresql://… BACKUP_DIR=/backups [BACKUP_RETENTION_DAYS=14] ops/scripts/backup.sh
#
# The Kubernetes CronJob (ops/k8s/base/backup-cronjob.yaml) runs this same script (tests/ops checks they
# match) in the official postgres image; restore with ops/scripts/restore.sh. pg_dump must be at least the
# server's major version. Prints the path of the new dump.
# --- script body (kept identical in backup-cronjob.yaml) ---
set -eu
: "${DATABASE_URL:?DATABASE_URL is required}"
: "${BACKUP_DIR:?BACKUP_DIR is required}"
RETENTION_DAYS="${BACKUP_RETENTION_DAYS:-14}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="${BACKUP_DIR}/paybridge-${stamp}.dump"
"${PG_DUMP:-pg_dump}" --format=custom --no-owner --no-privileges --file="${target}.partial" "${DATABASE_URL}"
mv "${target}.partial" "${target}"
find "${BACKUP_DIR}" -name 'paybridge-*.dump' -type f -mtime +"${RETENTION_DAYS}" -delete
echo "${target}"
