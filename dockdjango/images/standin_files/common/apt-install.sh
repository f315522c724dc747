#!/bin/sh
# apt-install.sh PACKAGE... -- Debian packages into a stand-in image, at build time.
#
# Shared by every stand-in's Dockerfile: the stable suites' security updates are added (the
# registry-free base lists only main; sid has no security suite), no service may start
# while packages install (a build has no init), a package written `?name` is installed
# only where the suite has it, and the lists, caches and docs are removed after.
set -eu
. /etc/os-release
case "${VERSION_CODENAME:-}" in
	bookworm | trixie)
		echo "deb http://deb.debian.org/debian-security ${VERSION_CODENAME}-security main" \
			> /etc/apt/sources.list.d/security.list
		;;
esac
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
apt-get update
wanted=""
for package in "$@"; do
	case "$package" in
		\?*)
			if apt-cache show "${package#?}" > /dev/null 2>&1; then
				wanted="$wanted ${package#?}"
			fi
			;;
		*) wanted="$wanted $package" ;;
	esac
done
# shellcheck disable=SC2086  # a list of package names on purpose
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $wanted
rm -f /usr/sbin/policy-rc.d
rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/share/doc/* /usr/share/man/*
