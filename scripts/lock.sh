#!/usr/bin/env bash
# Refresh requirements.lock: resolve pyproject.toml's ranges (with the test extras) to the
# newest compatible releases and pin every package of the environment exactly.
# Run it deliberately (a dependency moved, a new one was added), then run the test suite on
# the new lock before committing it: `bash scripts/lock.sh && rm -rf .venv && bash .ci/run`.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=${UV_TOOL_VENV:-.venv-lock}
if [ ! -x "$tool/bin/uv" ]; then
    python3 -m venv "$tool"
    "$tool/bin/python" -m pip install --quiet uv
fi
"$tool/bin/uv" pip compile pyproject.toml --extra test --python-version 3.12 \
    --no-header --annotation-style line -o requirements.lock
echo "requirements.lock: $(grep -c '==' requirements.lock) packages pinned"
