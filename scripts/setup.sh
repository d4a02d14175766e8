#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install the exact versions of requirements.lock, then
# bayes_trials itself (editable, no dependency resolution: the lock is the environment).
# Idempotent: a second run only re-checks the install. Refresh the lock with scripts/lock.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
    # .python-version (3.12.1) makes pyenv's python3 resolve to 3.12 in this folder
    for cand in python3 python3.12 "$HOME/.pyenv/versions/$(cat .python-version 2>/dev/null)/bin/python"; do
        if command -v "$cand" >/dev/null 2>&1 &&
           "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            echo "$cand"; return 0
        fi
    done
    echo "bayes_trials needs Python >= 3.12 (pyenv install 3.12.1)" >&2
    return 1
}

if [ ! -x .venv/bin/python ]; then
    py=$(pick_python)
    echo "creating .venv with $("$py" --version)"
    "$py" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
fi
if ! { .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock &&
       .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e . ; } \
        > .venv/pip-install.log 2>&1; then
    cat .venv/pip-install.log >&2
    echo "pip install failed (log: .venv/pip-install.log)" >&2
    exit 1
fi
.venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check >&2; exit 1; }
.venv/bin/python -c "import bayes_trials, pymc, nutpie, arviz; print('bayes_trials', bayes_trials.__version__, '| pymc', pymc.__version__, '| nutpie', nutpie.__version__, '| arviz', arviz.__version__)"
