# Sourced by run.sh: the base images the Dockerfiles start from. A machine that has pulled them (a registry user)
# uses them as they are; a machine that cannot pull (this project's development and CI machines) gets local
# stand-ins, made once and kept by the engine, under names of their own so that no official name is shadowed:
#   debian:bookworm-slim             -> nssandbox-local/debian:bookworm-slim  debootstrap --variant=minbase
#   mcr.microsoft.com/dotnet/sdk:10.0 -> nssandbox-local/dotnet-sdk:10.0-HASH  that base + this machine's SDK and
#                                       the NuGet packages the launcher restores (offline, sdk.Dockerfile)
# run.sh passes the names in as build arguments (RUNTIME_IMAGE, SDK_IMAGE); the Dockerfiles keep the official ones.

RUNTIME_OFFICIAL=debian:bookworm-slim
SDK_OFFICIAL=mcr.microsoft.com/dotnet/sdk:10.0

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# Prints the runtime base to build from.
runtime_base_image() {
  local work="$1" local_name=nssandbox-local/debian:bookworm-slim
  if have_image "$RUNTIME_OFFICIAL"; then echo "$RUNTIME_OFFICIAL"; return 0; fi
  if have_image "$local_name"; then echo "$local_name"; return 0; fi
  command -v debootstrap >/dev/null || { echo "base: debootstrap is missing (apt-get install debootstrap)" >&2; return 1; }
  echo "base: making $local_name with debootstrap --variant=minbase bookworm" >&2
  local root="$work/rootfs"
  if ! debootstrap --variant=minbase bookworm "$root" >"$work/debootstrap.log" 2>&1; then
    echo "base: debootstrap failed; the end of its log:" >&2
    tail -n 20 "$work/debootstrap.log" >&2
    return 1
  fi
  # What bookworm-slim leaves out too: downloaded packages and package lists (apt-get update fetches them anew).
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" --numeric-owner -c . | docker import --change 'CMD ["bash"]' - "$local_name" >/dev/null || return 1
  rm -rf "$root"
  echo "$local_name"
}

# Prints the SDK image to build from. The stand-in is tagged by the SDK version and the project files that decide
# which packages are restored, so a new package reference makes a new stand-in.
sdk_base_image() {
  local work="$1" runtime_base="$2" repo="$3"
  if have_image "$SDK_OFFICIAL"; then echo "$SDK_OFFICIAL"; return 0; fi
  local hash
  hash=$( { dotnet --version; cat "$repo"/global.json "$repo"/Directory.Build.props "$repo"/src/*/*.csproj; } | sha256sum | cut -c1-12)
  local local_name="nssandbox-local/dotnet-sdk:10.0-$hash"
  if have_image "$local_name"; then echo "$local_name"; return 0; fi
  command -v dotnet >/dev/null || { echo "base: the .NET SDK is needed to make $local_name" >&2; return 1; }
  echo "base: making $local_name from this machine's SDK ($(dotnet --version)) and the launcher's packages" >&2
  local ctx="$work/sdk-context" src="$work/sdk-restore"
  mkdir -p "$ctx" "$src"
  # Restore a copy of the sources into an empty package folder: exactly the packages the Dockerfile's build needs.
  cp -r "$repo"/global.json "$repo"/Directory.Build.props "$repo"/src "$src"/
  if ! dotnet restore "$src/src/NsSandbox/NsSandbox.csproj" --packages "$ctx/nuget" -v quiet --nologo >"$work/restore.log" 2>&1; then
    echo "base: restoring the launcher's packages failed:" >&2
    tail -n 20 "$work/restore.log" >&2
    return 1
  fi
  local dotnet_root
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  # Hard links when the SDK is on the same file system (no copy), a real copy otherwise.
  cp -al "$dotnet_root" "$ctx/dotnet" 2>/dev/null || { rm -rf "$ctx/dotnet"; cp -a "$dotnet_root" "$ctx/dotnet"; }
  cp "$repo/tests/playground/sdk.Dockerfile" "$repo/tests/playground/sdk.NuGet.Config" "$ctx"/
  if ! docker build -q -f "$ctx/sdk.Dockerfile" --build-arg BASE_IMAGE="$runtime_base" -t "$local_name" "$ctx" >"$work/sdk-build.log" 2>&1; then
    echo "base: building $local_name failed:" >&2
    tail -n 20 "$work/sdk-build.log" >&2
    return 1
  fi
  rm -rf "$ctx" "$src"
  # Stand-ins made for older project files are never used again.
  docker images --format '{{.Repository}}:{{.Tag}}' nssandbox-local/dotnet-sdk | grep -v -x -F "$local_name" |
    xargs -r docker rmi >/dev/null 2>&1
  echo "$local_name"
}
