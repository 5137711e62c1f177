# spam-detection-initial-train:v1.0 -- spam-train on debian:bookworm-slim.
#
#   docker build -t spam-detection-initial-train:v1.0 -f Dockerfiles/initial-train.Dockerfile .
#
# (add --network=host where the engine has no bridge network, as on our CI)
# Size, user and Knitfab notes: docs/knitfab.md and docs/design-docker.md.

# ---- build stage: identical, byte for byte, in all three Dockerfiles -------
# Docker's layer cache keys on the instruction text and the copied files, so
# the second and third image builds reuse this stage instead of compiling
# again. tests/container/run.sh checks that the three copies match.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config \
        libxml2-dev liblzma-dev libutf8proc-dev zlib1g-dev libsvm-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# .dockerignore keeps .git, data, docs, tests and Plans out of the context.
COPY . .
# KS_STATIC_XML: libxml2 and utf8proc linked in, ICU left out
# (cmake/static-libxml2.cmake, docs/design-docker.md).
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
          -DKS_BUILD_TESTS=OFF -DKS_STATIC_XML=ON \
 && cmake --build /build -j"$(nproc)" \
 && cmake --install /build --prefix /opt/ks --strip \
 && ldd /opt/ks/bin/* \
 && if ldd /opt/ks/bin/* | grep -E 'not found|libxml2|libicu|libutf8proc|libstdc'; then \
        echo 'runtime would need libraries the base image lacks' >&2; exit 1; \
    fi
# ---- end of build stage -----------------------------------------------------

# ---- runtime stage -------------------------------------------------------------
# Only the program: it needs libc, libm, libz and liblzma, which the base image
# has, and glibc's gconv modules (in libc6) for charset conversion.
FROM debian:bookworm-slim
ARG KS_VERSION=1.0.0
# Set to the repository's URL when building for release; the .invalid default
# (RFC 2606) can never point at the wrong place.
ARG KS_SOURCE_URL=https://knitspam.example.invalid/
ARG KS_REVISION=unknown
LABEL org.opencontainers.image.title="spam-detection-initial-train" \
      org.opencontainers.image.description="Spam classifier, initial training: learns a spam model from /in/dataset, writes /out/model" \
      org.opencontainers.image.version="${KS_VERSION}" \
      org.opencontainers.image.revision="${KS_REVISION}" \
      org.opencontainers.image.source="${KS_SOURCE_URL}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
COPY --from=build /opt/ks/bin/spam-train /usr/local/bin/spam-train
# root by default: Knitfab's worker pods set no runAsUser/fsGroup and mount
# output volumes root-owned from NFS, so a non-root default user could not
# write /out (docs/knitfab.md, "Which user"). The program needs no privilege
# and also runs under any --user whose output folder is writable.
USER 0:0
# knit plan template reads ENTRYPOINT and CMD: each path is its own argument,
# so /in/... become inputs and /out/... outputs.
ENTRYPOINT ["/usr/local/bin/spam-train"]
CMD ["--dataset", "/in/dataset", "--save-to", "/out/model"]
