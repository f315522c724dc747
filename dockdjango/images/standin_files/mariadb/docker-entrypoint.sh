#!/usr/bin/env bash
# Entry point of dockdjango's Debian-built MariaDB image.
#
# Honours the official mariadb image's contract (and the mysql image's variable names) so
# compose files work unchanged; see the Dockerfile. Started as root, it checks that the
# data directory holds nothing another version wrote (before anything writes to it),
# prepares the directories, re-executes itself as `mysql`, initialises an empty data
# directory once, and then runs the server in its place.
set -Eeo pipefail

. /usr/local/lib/dockdjango/entrypoint-lib.sh  # log, die, file_env, run_init_scripts

# MARIADB_<NAME> from MARIADB_<NAME>, MARIADB_<NAME>_FILE, MYSQL_<NAME> or MYSQL_<NAME>_FILE,
# first found; the MARIADB_ names win, as in the official image.
db_env() {
	local name="$1" var file
	for var in "MARIADB_$name" "MYSQL_$name"; do
		file="${var}_FILE"
		if [ -n "${!var:-}" ] && [ -n "${!file:-}" ]; then
			die "both $var and $file are set; set only one"
		fi
		if [ -n "${!var:-}" ]; then
			export "MARIADB_$name"="${!var}"
			return
		fi
		if [ -n "${!file:-}" ]; then
			[ -r "${!file}" ] || die "$file=${!file}: file not readable"
			export "MARIADB_$name"="$(< "${!file}")"
			return
		fi
	done
	export "MARIADB_$name"=""
}

setup_env() {
	local name
	for name in ROOT_PASSWORD ROOT_PASSWORD_HASH DATABASE USER PASSWORD PASSWORD_HASH; do
		db_env "$name"
	done
	: "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:=${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
	: "${MARIADB_RANDOM_ROOT_PASSWORD:=${MYSQL_RANDOM_ROOT_PASSWORD:-}}"
	: "${MARIADB_ROOT_HOST:=${MYSQL_ROOT_HOST:-%}}"
	: "${MARIADB_INITDB_SKIP_TZINFO:=${MYSQL_INITDB_SKIP_TZINFO:-}}"
	# bitnami's images say "allow an empty password" this way
	if [ "${ALLOW_EMPTY_PASSWORD:-}" = yes ] && [ -z "$MARIADB_ROOT_PASSWORD" ]; then
		MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1
	fi
}

# A server setting as mariadbd would use it with these arguments (--datadir=... included).
server_setting() {
	local name="$1"
	shift
	"$@" --verbose --help 2>/dev/null | awk -v n="$name" '$1 == n { print $2; exit }'
}

# MySQL-only server options would stop MariaDB ("unknown variable"): --loose-... makes it
# ignore them, and it is said.
SERVER_ARGS=()
translate_options() {
	local arg
	SERVER_ARGS=("$1")
	shift
	for arg in "$@"; do
		case "$arg" in
			--default-authentication-plugin=* | --default_authentication_plugin=* | \
			--mysql-native-password* | --mysql_native_password* | \
			--authentication-policy=* | --authentication_policy=* | \
			--mysqlx* | --skip-mysqlx | --binlog-expire-logs-seconds=* | \
			--binlog_expire_logs_seconds=* | --innodb-dedicated-server* | \
			--innodb_dedicated_server*)
				# said once: by the run that starts the server, not the root one before it
				[ "$(id -u)" = 0 ] || log "the MySQL option ${arg%%=*} has no MariaDB equivalent: ignored"
				SERVER_ARGS+=("--loose-${arg#--}")
				;;
			--disable-log-bin) SERVER_ARGS+=(--skip-log-bin) ;;
			*) SERVER_ARGS+=("$arg") ;;
		esac
	done
}

# Refuse, before anything is written, a data directory another version wrote: MariaDB
# cannot use MySQL's files nor a newer release's, and upgrades an older release's in place
# (only when MARIADB_AUTO_UPGRADE asks for it, as in the official image).
check_data_version() {
	local info written mine
	mine="$(mariadbd --version | grep -oE '[0-9]+\.[0-9]+' | head -n1)"
	info="$(cat "$DATADIR/mariadb_upgrade_info" "$DATADIR/mysql_upgrade_info" 2>/dev/null | head -n1 || :)"
	if [ -z "$info" ] && [ -e "$DATADIR/auto.cnf" ]; then
		die "$DATADIR holds data written by MySQL, and this is MariaDB $mine (dockdjango's" \
			"Debian stand-in), which cannot use it: not started, nothing in it was changed." \
			"Dump it with MySQL (mysqldump) and load it here, or start with an empty volume"
	fi
	written="$(printf '%s' "$info" | grep -oE '^[0-9]+\.[0-9]+' || :)"
	if [ -z "$written" ] || [ "$written" = "$mine" ]; then
		return
	fi
	if [ "$(printf '%s\n%s\n' "$written" "$mine" | sort -V | tail -n1)" = "$written" ]; then
		die "$DATADIR holds data of MariaDB $written, and this is MariaDB $mine (dockdjango's" \
			"Debian stand-in), which cannot open it: not started, nothing in it was changed"
	fi
	case "${MARIADB_AUTO_UPGRADE:-}" in
		'' | 0 | false | no)
			die "$DATADIR holds data of MariaDB $written, and this is MariaDB $mine" \
				"(dockdjango's Debian stand-in), which would upgrade it so that MariaDB" \
				"$written cannot open it: not started, nothing in it was changed. Set" \
				"MARIADB_AUTO_UPGRADE=1 to upgrade it"
			;;
	esac
	log "upgrading the data of MariaDB $written to $mine (MARIADB_AUTO_UPGRADE is set)"
	UPGRADE=1
}

# As root: make the directories the server needs and hand them to mysql.
prepare_dirs() {
	mkdir -p "$DATADIR" /run/mysqld
	if [ "$(id -u)" = 0 ]; then
		# Only what is not mysql's already: a large existing data directory is left alone.
		find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
	fi
}

check_root_password() {
	if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ROOT_PASSWORD_HASH" ] &&
		[ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] && [ -z "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
		die "the database is not initialised and no root password option is set: set" \
			"MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD), MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" \
			"or MARIADB_RANDOM_ROOT_PASSWORD"
	fi
}

# A string as a quoted SQL literal: backslashes and quotes escaped.
sql_string() {
	local text="${1//\\/\\\\}"
	printf "'%s'" "${text//\'/\\\'}"
}

sql_name() {
	printf '`%s`' "${1//\`/\`\`}"
}

random_password() {
	tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 32 || :
}

SOCKET=/run/mysqld/mysqld.sock

# An option file's value: double-quoted, with backslashes and double quotes escaped (a
# bare value would end at a quote or a comment sign).
option_value() {
	local text="${1//\\/\\\\}"
	printf '"%s"' "${text//\"/\\\"}"
}

# The client as root over the socket, the password through a file descriptor, never argv.
client() {
	mariadb --defaults-extra-file=<(printf '[client]\npassword=%s\n' \
		"$(option_value "${ROOT_PASSWORD_NOW:-}")") \
		--protocol=socket --socket="$SOCKET" -uroot --no-auto-rehash "$@"
}

# A server on the socket only (extra arguments added), so nothing outside sees a
# half-initialised database.
start_temp_server() {
	"${SERVER_ARGS[@]}" --skip-networking --socket="$SOCKET" --skip-log-bin \
		--loose-innodb_buffer_pool_load_at_startup=0 --loose-wsrep-on=OFF "$@" &
	TEMP_PID=$!
	local i
	for i in $(seq 60); do
		if client -e 'SELECT 1' >/dev/null 2>&1; then
			return
		fi
		kill -0 "$TEMP_PID" 2>/dev/null || die "the server stopped during initialisation"
		sleep 1
	done
	die "the server did not start for initialisation within 60 s"
}

stop_temp_server() {
	client -e 'SHUTDOWN' >/dev/null 2>&1 || kill "$TEMP_PID"
	wait "$TEMP_PID" || :
}

# The root password to set: given, or generated (and said) when asked for.
root_password() {
	NEW_ROOT_PASSWORD="$MARIADB_ROOT_PASSWORD"
	if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ] && [ -z "$NEW_ROOT_PASSWORD" ]; then
		NEW_ROOT_PASSWORD="$(random_password)"
		log "GENERATED ROOT PASSWORD: $NEW_ROOT_PASSWORD"
	fi
}

# The accounts and database asked for, as SQL (run in a pipe: it sets no variable).
init_sql() {
	local auth health host
	if [ -n "$MARIADB_ROOT_PASSWORD_HASH" ]; then
		auth="PASSWORD $(sql_string "$MARIADB_ROOT_PASSWORD_HASH")"
	else
		auth="$(sql_string "$NEW_ROOT_PASSWORD")"
	fi
	health="$(random_password)"
	echo "SET @@SESSION.SQL_LOG_BIN=0;"
	# only the accounts asked for: not those mariadb-install-db adds for this host's name
	echo "DROP USER IF EXISTS root@'127.0.0.1', root@'::1', root@$(sql_string "$(cat /proc/sys/kernel/hostname)"), 'mysql'@'localhost';"
	echo "ALTER USER root@localhost IDENTIFIED BY ${auth};"
	if [ "$MARIADB_ROOT_HOST" != localhost ]; then
		host="$(sql_string "$MARIADB_ROOT_HOST")"
		echo "CREATE USER root@${host} IDENTIFIED BY ${auth};"
		echo "GRANT ALL ON *.* TO root@${host} WITH GRANT OPTION;"
		echo "GRANT PROXY ON ''@'%' TO root@${host} WITH GRANT OPTION;"
	fi
	for host in "'127.0.0.1'" "'::1'" "'localhost'"; do
		echo "CREATE USER healthcheck@${host} IDENTIFIED BY $(sql_string "$health");"
	done
	if [ -n "$MARIADB_DATABASE" ]; then
		echo "CREATE DATABASE IF NOT EXISTS $(sql_name "$MARIADB_DATABASE");"
	fi
	if [ -n "$MARIADB_USER" ]; then
		if [ -n "$MARIADB_PASSWORD_HASH" ]; then
			auth="PASSWORD $(sql_string "$MARIADB_PASSWORD_HASH")"
		else
			auth="$(sql_string "$MARIADB_PASSWORD")"
		fi
		echo "CREATE USER $(sql_string "$MARIADB_USER")@'%' IDENTIFIED BY ${auth};"
		if [ -n "$MARIADB_DATABASE" ]; then
			echo "GRANT ALL ON $(sql_name "$MARIADB_DATABASE").* TO $(sql_string "$MARIADB_USER")@'%';"
		fi
	fi
	printf '[mariadb-client]\nhost=127.0.0.1\nport=3306\nprotocol=tcp\nuser=healthcheck\npassword=%s\n' \
		"$(option_value "$health")" > "$DATADIR/.my-healthcheck.cnf"
	chmod 0600 "$DATADIR/.my-healthcheck.cnf"
}

# The client on the database asked for (init scripts' SQL goes there).
client_db() {
	if [ -n "$MARIADB_DATABASE" ]; then
		client --database="$MARIADB_DATABASE"
	else
		client
	fi
}

# The version marker mariadb-upgrade keeps, so that a later start (of this or another
# version) knows which version wrote the files.
write_version_marker() {
	local version file=mysql_upgrade_info
	version="$(mariadbd --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+-MariaDB' | head -n1)"
	case "$version" in 1[1-9].* | [2-9][0-9].*) file=mariadb_upgrade_info ;; esac
	printf '%s' "$version" > "$DATADIR/$file"
}

initialise() {
	check_root_password
	log "initialising a new database in $DATADIR"
	mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
		--skip-test-db --skip-log-bin --default-time-zone=SYSTEM --skip-name-resolve >/dev/null
	ROOT_PASSWORD_NOW=
	start_temp_server --default-time-zone=SYSTEM
	if [ -z "$MARIADB_INITDB_SKIP_TZINFO" ] && [ -d /usr/share/zoneinfo ]; then
		mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null | client mysql
	fi
	root_password
	init_sql | client
	ROOT_PASSWORD_NOW="$NEW_ROOT_PASSWORD"
	export MARIADB_PWD="$NEW_ROOT_PASSWORD"  # init scripts may use it, as with the official image
	run_init_scripts client_db
	unset MARIADB_PWD
	stop_temp_server
	write_version_marker
	log "MariaDB init process complete; ready for start up."
}

main() {
	# `docker run image --character-set-server=utf8mb4` means flags for the server
	if [ "${1:0:1}" = '-' ]; then
		set -- mariadbd "$@"
	fi
	case "$1" in
		mariadbd | mysqld) shift; set -- mariadbd "$@" ;;
		*) exec "$@" ;;
	esac
	translate_options "$@"
	setup_env
	DATADIR="$(server_setting datadir "${SERVER_ARGS[@]}")"
	DATADIR="${DATADIR%/}"
	: "${DATADIR:=/var/lib/mysql}"
	UPGRADE=
	check_data_version
	prepare_dirs
	if [ "$(id -u)" = 0 ]; then
		exec setpriv --reuid=mysql --regid=mysql --init-groups "$BASH_SOURCE" "$@"
	fi
	if [ ! -d "$DATADIR/mysql" ]; then
		initialise
	elif [ -n "$UPGRADE" ]; then
		# as the official image does: the system tables upgraded on a private server
		start_temp_server --skip-grant-tables
		mariadb-upgrade --protocol=socket --socket="$SOCKET" --skip-write-binlog
		stop_temp_server
		write_version_marker
	else
		log "MariaDB database directory appears to contain a database; skipping initialisation"
	fi
	exec "${SERVER_ARGS[@]}"
}

main "$@"
