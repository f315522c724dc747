#!/usr/bin/env bash
# healthcheck.sh of dockdjango's Debian-built MariaDB image, as the official image's:
#   healthcheck.sh [--connect] [--innodb_initialized] [--innodb_buffer_pool_loaded] ...
# connects over TCP as the health-check user the first start created (its password is in
# the data directory), so it fails while the server initialises on its socket only. Tests
# it has no way to make here (replication, Galera) pass; --su-mysql and --defaults-file
# are accepted. No test named means --connect.
set -eo pipefail

datadir="${DATADIR:-/var/lib/mysql}"
config="$datadir/.my-healthcheck.cnf"
sql() {
	mariadb --defaults-extra-file="$config" --skip-column-names --batch -e "$1"
}

tests=()
for arg in "$@"; do
	case "$arg" in
		--connect | --innodb_initialized | --innodb_buffer_pool_loaded) tests+=("$arg") ;;
		--defaults-file=* | --defaults-extra-file=*) config="${arg#*=}" ;;
		*) ;;  # --su-mysql, --galera_online, --replication*, --no-defaults: nothing to do here
	esac
done
[ "${#tests[@]}" -gt 0 ] || tests=(--connect)

[ -r "$config" ] || { echo "healthcheck.sh: $config not readable (not initialised yet?)" >&2; exit 1; }
for test in "${tests[@]}"; do
	case "$test" in
		--connect) sql 'SELECT 1' >/dev/null ;;
		--innodb_initialized)
			[ "$(sql "SELECT 1 FROM information_schema.ENGINES WHERE engine = 'InnoDB' AND support IN ('YES', 'DEFAULT', 'ENABLED')")" = 1 ]
			;;
		--innodb_buffer_pool_loaded)
			sql "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_load_status'" | grep -q -e 'completed' -e 'Loading of buffer pool not started'
			;;
	esac
done
