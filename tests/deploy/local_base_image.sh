#!/bin/sh
# Builds a stand-in for python:3.11-slim where no image registry is reachable (an offline or
# egress-filtered machine): Debian bookworm minbase, Debian's python3 in a venv at /usr/local (so
# python and pip sit in /usr/local/bin as in the official image), LANG=C.UTF-8. Needs debootstrap
# and a running Docker engine; run as root. EXTRA_CA (optional) is a CA bundle to trust inside,
# for a network whose HTTPS is re-signed by a proxy.
set -eu
TAG=${TAG:-python:3.11-slim}
ROOT=$(mktemp -d /var/tmp/dvcbot-base.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
chmod 755 "$ROOT"  # mktemp made it 0700: the image's / must be enterable by non-root users
debootstrap --variant=minbase --include=ca-certificates,netbase,tzdata,python3,python3-venv \
  bookworm "$ROOT" http://deb.debian.org/debian
if [ -n "${EXTRA_CA:-}" ]; then cp "$EXTRA_CA" "$ROOT/etc/ssl/certs/ca-certificates.crt"; fi
chroot "$ROOT" python3 -m venv /usr/local
chroot "$ROOT" /usr/local/bin/python -c "import venv, ssl, sqlite3"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$TAG"
docker image inspect --format '{{.Size}}' "$TAG"
