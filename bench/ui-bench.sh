#!/usr/bin/env bash
# The web UI's speed figures (docs/benchmarks.md, "Web UI"): the chat page's first-load transfer and streaming a
# 512-token reply in chromium against reading the same /api/chat stream as a client, median of 5 alternating rounds.
# Needs Debian's chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
SCOUT_UI_BENCH=1 dotnet test tests/ModelScout.Ui.Tests --filter "FullyQualifiedName~SpeedTests" --logger "console;verbosity=detailed" 2>&1 \
  | grep -E "first load of|512-token reply|API runs|Passed|Failed"
