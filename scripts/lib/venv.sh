# Shared by scripts/*: create .venv with a Python >= 3.11 and install the project into it.
# Usage: ensure_venv [dev]    (the provider and the emulator; dev also installs the test and lint tools)
ensure_venv() {
  local extra="${1:-}" python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: Python 3.11 or newer is needed (found: $("$python" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local spec=".[emulator]"
  [ "$extra" = dev ] && spec=".[dev]"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e "$spec"
}
