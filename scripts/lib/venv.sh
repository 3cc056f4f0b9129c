# Shared by scripts/*: create .venv with a Python >= 3.11 and install the project into it.
# Usage: ensure_venv [dev]    (the provider and the emulator; dev also installs the test and lint tools)
#
# pip runs only when needed: after an install, .venv/.ray-clusters-<extra> records what it was installed from
# (venv_fingerprint). While that is unchanged a re-run needs no network and takes no time, which is also what
# lets ./scripts/demo fail fast offline. After changing .venv by hand, `rm -rf .venv` to rebuild it.
ensure_venv() {
  local extra="${1:-emulator}" python="${PYTHON:-python3}"
  venv_ready "$extra" && return 0
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: Python 3.11 or newer is needed (found: $("$python" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$extra]"
  mark_venv_ready "$extra"
  [ "$extra" = dev ] && mark_venv_ready emulator # dev includes the emulator extra
  return 0
}

# What an install of .venv depends on: this checkout (the editable install points here), the extra, the pins.
venv_fingerprint() {
  printf '%s\n%s\n' "$PWD" "$1"
  cat pyproject.toml constraints.txt
}

venv_ready() {
  [ -x .venv/bin/python ] && [ -f ".venv/.ray-clusters-$1" ] &&
    [ "$(cat ".venv/.ray-clusters-$1")" = "$(venv_fingerprint "$1")" ]
}

mark_venv_ready() {
  venv_fingerprint "$1" >".venv/.ray-clusters-$1"
}
