#!/usr/bin/env bash
# Packs the scout tool as .NET 10 RID-specific tool packages into nupkg/ (git-ignored):
#   ModelScout.<version>.nupkg            the top-level package `dotnet tool install` finds; it names the ones below
#   ModelScout.linux-x64.<version>.nupkg  Native AOT (self-contained, no .NET runtime needed)
#   ModelScout.{linux-arm64,osx-arm64,osx-x64,win-x64}.<version>.nupkg  framework-dependent, with that platform's llama.cpp
#   ModelScout.any.<version>.nupkg        portable fallback: scout.dll and every platform's llama.cpp, run through dotnet
# Then checks that each package is there and that linux-x64's holds a native executable beside its llama.cpp libraries.
# Native AOT compiles only for the machine's own OS and architecture, so the AOT step runs on linux-x64 only; elsewhere
# linux-x64 keeps its framework-dependent package (said on stderr). Install from here: see docs/install.md.
# The first run restores the apphost and AOT packages from NuGet and takes minutes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${NUPKG:-$root/nupkg}"
project="$root/src/ModelScout.Cli"
mkdir -p "$out"
rm -f "$out"/ModelScout.*.nupkg
# Each package is made from its publish folder as a whole: drop what an earlier pack left there.
rm -rf "$project"/bin/Release/net10.0/*/publish

# The top-level package and one framework-dependent package per RID (8 RIDs, see the csproj) (the SDK runs one inner pack for each).
dotnet pack "$project" -c Release -o "$out" --nologo -v quiet

host_rid="$(dotnet msbuild "$project" -getProperty:RuntimeIdentifier)"
if [ "$host_rid" = linux-x64 ]; then
  # Replaces the framework-dependent linux-x64 package. RuntimeIdentifiers is narrowed so that restore fetches the
  # AOT compiler and runtime packs for this RID only.
  dotnet pack "$project" -c Release -o "$out" -r linux-x64 -p:PublishAot=true -p:SelfContained=true -p:RuntimeIdentifiers=linux-x64 --nologo -v quiet
else
  echo "pack-tool: this machine is $host_rid; Native AOT for linux-x64 needs a linux-x64 machine, so its package stays framework-dependent" >&2
fi

python3 - "$out" "$project" "$host_rid" <<'PY'
import json, os, re, subprocess, sys, zipfile
out, project, host = sys.argv[1:4]
props = subprocess.run(["dotnet", "msbuild", project, "-getProperty:ToolPackageRuntimeIdentifiers", "-getProperty:Version"],
                       capture_output=True, text=True, check=True).stdout
p = json.loads(props)["Properties"]
rids, version = p["ToolPackageRuntimeIdentifiers"].split(";"), p["Version"]
failed = []
top = os.path.join(out, f"ModelScout.{version}.nupkg")
if not os.path.exists(top):
    failed.append(f"missing {top}")
else:
    with zipfile.ZipFile(top) as z:
        settings = next((n for n in z.namelist() if n.endswith("DotnetToolSettings.xml")), None)
        text = z.read(settings).decode() if settings else ""
        for rid in rids:
            if f'RuntimeIdentifier="{rid}"' not in text:
                failed.append(f"top-level package does not name {rid}")
        if "README.md" not in z.namelist():
            failed.append("top-level package has no README.md")
for rid in rids:
    path = os.path.join(out, f"ModelScout.{rid}.{version}.nupkg")
    if not os.path.exists(path):
        failed.append(f"missing {path}")
        continue
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        natives = [n for n in names if re.search(r"/runtimes/[^/]+/native/.*(llama|ggml)", n)]
        if not natives:
            failed.append(f"{rid}: no llama.cpp library")
        other = {n.split("/runtimes/")[1].split("/")[0] for n in natives} - {rid}
        if rid != "any" and other:
            failed.append(f"{rid}: carries other platforms' llama.cpp: {sorted(other)}")
        if rid == "linux-x64" and host == "linux-x64":
            tool_dir = "tools/any/linux-x64/"
            if f"{tool_dir}scout" not in names or any(n.startswith(tool_dir) and n.endswith("scout.dll") for n in names):
                failed.append("linux-x64: not the Native AOT build (expected tools/any/linux-x64/scout and no scout.dll)")
    size = os.path.getsize(path) / 1e6
    print(f"{os.path.basename(path):42} {size:7.1f} MB")
if failed:
    print("pack-tool: FAILED\n  " + "\n  ".join(failed), file=sys.stderr)
    sys.exit(1)
print(f"pack-tool: {len(rids) + 1} packages in {out}")
PY
