# nssandbox as a container image: the NativeAOT launcher on a small Debian base.
#   docker build . -t nssandbox
#   docker run --rm <privileges, docs/containers.md> nssandbox --chroot / -- /bin/echo hello
# The entrypoint is the launcher, behind writable-cgroups (container/): arguments after the image name are
# nssandbox's flags and command.
# RUNTIME_IMAGE and SDK_IMAGE name the base images; change them only to build from a mirror or a local copy.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SDK_IMAGE} AS build
# NativeAOT links with clang; make builds the C shim (native/).
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang make zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props build.sh ./
COPY native/ native/
COPY src/ src/
# The launcher embeds the default seccomp policy from configs/policies/.
COPY configs/policies/ configs/policies/
RUN ./build.sh

FROM ${RUNTIME_IMAGE}
COPY --from=build /src/artifacts/bin/nssandbox /usr/local/bin/nssandbox
COPY configs/ /etc/nssandbox/
COPY container/writable-cgroups /usr/local/sbin/writable-cgroups
ENTRYPOINT ["/usr/local/sbin/writable-cgroups", "/usr/local/bin/nssandbox"]
CMD ["--help"]
