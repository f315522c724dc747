#!/bin/sh
# `docker run image -m 64` means flags for memcached, as with the official image.
set -e
if [ "${1#-}" != "$1" ]; then
	set -- memcached "$@"
fi
exec "$@"
