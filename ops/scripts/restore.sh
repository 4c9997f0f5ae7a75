#!/bin/sh
# Restore a PayBridge backup (a pg_dump custom-format archive from backup.sh) into an EMPTY database, then
# prove the restored ledger is sound with `paybridge audit`.
#
#   ops/scripts/restore.sh DUMP_FILE TARGET_DATABASE_URL
#
# 1. refuses a target that already has tables: it never writes over a live database;
# 2. pg_restore --single-transaction --exit-on-error: all or nothing;
# 3. `paybridge migrate list` shows the restored schema's migration state (run `paybridge migrate up` with
#    the release you deploy if it is behind);
# 4. `paybridge audit` checks every ledger invariant on the restored data; its JSON report goes to stdout
#    (and to $AUDIT_REPORT when set). Exit status: 0 restored and sound, 1 restored but the audit found
#    violations, 2 usage, 3 refused or failed.
#
# Environment: PG_BIN (directory of pg_restore and psql; default: PATH), PAYBRIDGE (the paybridge command;
# default: paybridge on PATH). Tested by tests/ops/test_backup_restore.py.
set -eu

if [ "$#" -ne 2 ]; then
    echo "usage: $0 DUMP_FILE TARGET_DATABASE_URL" >&2
    exit 2
fi
dump="$1"
target="$2"
bin="${PG_BIN:+${PG_BIN}/}"
paybridge="${PAYBRIDGE:-paybridge}"

if [ ! -r "$dump" ]; then
    echo "restore: cannot read $dump" >&2
    exit 3
fi
tables="$("${bin}psql" "$target" -XAtq -v ON_ERROR_STOP=1 -c \
    "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" || {
    echo "restore: cannot connect to the target database" >&2
    exit 3
}
if [ "$tables" != "0" ]; then
    echo "restore: the target database is not empty ($tables tables): restore into a new, empty database" >&2
    exit 3
fi

echo "restore: restoring $dump" >&2
"${bin}pg_restore" --single-transaction --exit-on-error --no-owner --no-privileges --dbname="$target" "$dump" || {
    echo "restore: pg_restore failed; the target was left empty (single transaction)" >&2
    exit 3
}

# The CLI reads its database from DATABASE_URL; development mode, because these two commands need no JWT
# secret and must not refuse to run on an operator's machine for lack of one.
echo "restore: migration state of the restored database:" >&2
DATABASE_URL="$target" PAYBRIDGE_ENV=development "$paybridge" migrate list >&2

echo "restore: auditing the restored ledger" >&2
status=0
report="$(DATABASE_URL="$target" PAYBRIDGE_ENV=development "$paybridge" audit)" || status=$?
printf '%s\n' "$report"
if [ -n "${AUDIT_REPORT:-}" ]; then
    printf '%s\n' "$report" > "$AUDIT_REPORT"
fi
case "$status" in
    0) echo "restore: done; the audit passed" >&2 ;;
    1) echo "restore: restored, but the audit found violations (see the report)" >&2 ;;
    *) echo "restore: the audit could not run (status $status)" >&2; status=3 ;;
esac
exit "$status"
