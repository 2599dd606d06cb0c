#!/usr/bin/env bash
# HumanEval execution: the same programs through PythonSandbox one at a time and through SandboxPool (one per core by
# default), in one run, reported as the pool's speed-up over serial. Arguments: [programs=20] [concurrency] [rounds=3].
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
dotnet build bench/ModelScout.SandboxBench -c Release --nologo -v quiet >/dev/null
dotnet bench/ModelScout.SandboxBench/bin/Release/net10.0/linux-x64/ModelScout.SandboxBench.dll "$@"
