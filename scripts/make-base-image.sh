#!/usr/bin/env bash
# Build the debian:bookworm-slim base image from Debian's own packages.
#
#   scripts/make-base-image.sh            # skip if the tag already exists
#   scripts/make-base-image.sh --force    # rebuild and re-tag
#   scripts/make-base-image.sh --save debian-bookworm-slim.tar
#                                         # also write `docker save` output,
#                                         # to carry to a host without network
#
# For hosts that cannot pull from a registry (air-gapped Knitfab sites, CI
# machines without Docker Hub). The Dockerfiles keep `FROM debian:bookworm-slim`;
# where Docker Hub is reachable the official image is used unchanged.
#
# Steps: debootstrap --variant=minbase, then the same slimming the official
# "-slim" images get (dpkg path-excludes for docs, man pages and translations,
# apt cache cleaning, no apt lists), then `docker import`.
#
# Environment:
#   KS_BASE_TAG       image tag to create (default debian:bookworm-slim)
#   KS_DEBIAN_MIRROR  Debian mirror (default http://deb.debian.org/debian);
#                     point it at a local mirror on an air-gapped site
#   KS_SUITE          suite (default bookworm)
# Needs: root, debootstrap, a running Docker engine (scripts/docker-engine.sh).
set -euo pipefail

TAG="${KS_BASE_TAG:-debian:bookworm-slim}"
MIRROR="${KS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE="${KS_SUITE:-bookworm}"
FORCE=0
SAVE=""

while (($#)); do
    case "$1" in
    --force) FORCE=1 ;;
    --save) SAVE="${2:?--save needs a file name}"; shift ;;
    *) echo "usage: $0 [--force] [--save FILE.tar]" >&2; exit 2 ;;
    esac
    shift
done

log() { printf 'make-base-image: %s\n' "$*" >&2; }

root_mode_ok() { # images made by an earlier version of this script had / at 0700
    [[ "$(docker run --rm --network=none --user 65534:65534 "$TAG" /bin/sh -c 'echo ok' 2>/dev/null)" == ok ]]
}

if ((!FORCE)) && docker image inspect "$TAG" >/dev/null 2>&1 && ! root_mode_ok; then
    log "$TAG exists but a non-root user cannot use it; rebuilding"
    FORCE=1
fi
if ((!FORCE)) && docker image inspect "$TAG" >/dev/null 2>&1; then
    log "$TAG exists ($(docker image inspect -f '{{.Size}}' "$TAG") bytes); nothing to do"
else
    command -v debootstrap >/dev/null || {
        log "no debootstrap: apt-get install -y debootstrap"; exit 1; }
    [[ $(id -u) == 0 ]] || { log "debootstrap needs root"; exit 1; }

    R="$(mktemp -d /var/tmp/ks-rootfs.XXXXXX)"
    trap 'rm -rf --one-file-system "$R"' EXIT
    start=$SECONDS
    log "debootstrap --variant=minbase $SUITE from $MIRROR"
    debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR" >"$R.log" 2>&1 || {
        tail -n 30 "$R.log" >&2; rm -f "$R.log"; exit 1; }
    rm -f "$R.log"

    # What the official slim images set up: keep docs, man pages and
    # translations out of every later apt-get install too (this also keeps
    # the build stage lean), never start services, never keep .debs.
    cat >"$R/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat >"$R/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$R/etc/apt/apt.conf.d/docker-no-languages"
    echo 'APT::Install-Recommends "false";' >"$R/etc/apt/apt.conf.d/docker-no-recommends"
    printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
    chmod 755 "$R/usr/sbin/policy-rc.d"
    printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$R/etc/apt/sources.list"

    # Apply those excludes to what debootstrap already installed.
    find "$R/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$R/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$R"/usr/share/{man,groff,info,lintian,linda}/*
    find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
        -exec rm -rf {} +
    rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin \
        "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/debconf/*-old \
        "$R"/var/lib/dpkg/*-old "$R"/var/log/*.log "$R"/var/log/apt/* \
        "$R"/tmp/* "$R"/root/.bash_history
    : >"$R/etc/machine-id"
    # /dev, /proc and /sys are provided by the container runtime.
    rm -rf "${R:?}"/dev/* "${R:?}"/proc/* "${R:?}"/sys/*
    # mktemp made the folder 0700 and tar stores it as the image's "/":
    # every non-root user would then fail even to exec a program.
    chmod 0755 "$R"

    log "importing as $TAG"
    tar --numeric-owner -C "$R" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' \
        --message "debootstrap --variant=minbase $SUITE $MIRROR, slimmed" \
        - "$TAG" >/dev/null
    log "$TAG built in $((SECONDS - start)) s, $(docker image inspect -f '{{.Size}}' "$TAG") bytes"
fi

if [[ -n "$SAVE" ]]; then
    docker save -o "$SAVE" "$TAG"
    log "saved $TAG to $SAVE (load it with: docker load -i $SAVE)"
fi
