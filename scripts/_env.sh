# Shared by scripts/demo and scripts/test: make the virtual environment and install into it.
# The install is skipped while pyproject.toml and the sidebar's sources are unchanged.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating the virtual environment in .venv"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
# The sidebar's sources are in the stamp too: the installed copy of the built labextension
# is only refreshed by an install, and a stale bundle would be tested and shipped otherwise.
sources=$(find pyproject.toml labextension/package.json labextension/yarn.lock labextension/src \
  labextension/style -type f -not -path '*/__tests__/*' -print0 | sort -z | xargs -0 sha1sum | sha1sum)
stamp="$VENV/.installed-${sources:0:12}-${MLOPS_EXTRAS:-dev}"
if [ ! -f "$stamp" ]; then
  echo "==> installing jupyter-mlops[${MLOPS_EXTRAS:-dev}] and its dependencies"
  # pip's own exit status decides: a failed build of the sidebar must stop here, not leave an
  # environment without jupyter-mlops behind a fresh stamp.
  if ! "$VENV/bin/python" -m pip install -q -e ".[${MLOPS_EXTRAS:-dev}]" >"$VENV/install.log" 2>&1; then
    grep -v '^WARNING: Location' "$VENV/install.log" | tail -40
    echo "installing jupyter-mlops failed; the whole log is in .venv/install.log" >&2
    exit 1
  fi
  grep -v '^WARNING: Location' "$VENV/install.log" || true
  # From / so that the checkout itself on sys.path cannot stand in for the installed package.
  (cd / && "$VENV/bin/python" -c "import jupyter_mlops")
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
