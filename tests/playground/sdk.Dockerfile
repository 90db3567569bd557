# A stand-in for the .NET SDK image on machines that cannot pull it (base-images.sh makes it): a Debian base, the
# machine's own SDK, and the launcher's NuGet packages in the global package folder with no package source, so the
# Dockerfile's build restores offline. Packages the SDK image has and the Debian base lacks: ICU, CA certificates.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libicu72 \
 && rm -rf /var/lib/apt/lists/*
COPY dotnet /usr/share/dotnet
COPY nuget /root/.nuget/packages
COPY sdk.NuGet.Config /root/.nuget/NuGet/NuGet.Config
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1
