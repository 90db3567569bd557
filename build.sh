#!/usr/bin/env bash
# Builds the single NativeAOT binary (the C shim linked in) to artifacts/bin/nssandbox.
set -euo pipefail
cd "$(dirname "$0")"
dotnet publish src/NsSandbox/NsSandbox.csproj -c Release -o artifacts/bin --nologo -v quiet "$@"
rm -f artifacts/bin/*.dbg
# The OCI runtime's name for dockerd and containerd (docs/oci.md): the same binary, told apart by argv[0].
ln -sfn nssandbox artifacts/bin/nssandbox-oci
echo "built $(pwd)/artifacts/bin/nssandbox ($(stat -c %s artifacts/bin/nssandbox) bytes)"
