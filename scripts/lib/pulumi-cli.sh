# Shared by scripts/demo and scripts/demo-down: which Pulumi CLI to run, so that both use the same one.
# Order: $PULUMI_CLI (a path), then `pulumi` on PATH, then the project's own copy in .pulumi-cli/ (installed
# by scripts/demo with scripts/lib/install_pulumi_cli.py when there is neither).
PULUMI_CLI_DIR=.pulumi-cli
PULUMI=""
PULUMI_DIR="" # set when the CLI is not the one on PATH

# Sets PULUMI to the CLI's absolute path and returns 0; returns 1 when there is none. A PULUMI_CLI that is not
# an executable file stops the script (exit 2): silently using another CLI would surprise.
find_pulumi() {
  if [ -n "${PULUMI_CLI:-}" ]; then
    PULUMI="$(command -v -- "$PULUMI_CLI" 2>/dev/null || true)"
    if [ -z "$PULUMI" ] || [ ! -f "$PULUMI" ] || [ ! -x "$PULUMI" ]; then
      echo "error: PULUMI_CLI=$PULUMI_CLI is not an executable file; point it at a pulumi binary, or unset it." >&2
      exit 2
    fi
    case "$PULUMI" in /*) ;; *) PULUMI="$PWD/$PULUMI" ;; esac
    use_pulumi_dir
    return 0
  fi
  if PULUMI="$(command -v pulumi 2>/dev/null)"; then
    return 0
  fi
  if [ -x "$PULUMI_CLI_DIR/bin/pulumi" ]; then
    PULUMI="$PWD/$PULUMI_CLI_DIR/bin/pulumi"
    use_pulumi_dir
    return 0
  fi
  PULUMI=""
  return 1
}

# A CLI off PATH: put its directory first on PATH, so that the engine finds the language plugins shipped beside it
# (pulumi-language-python) and not another version's.
use_pulumi_dir() {
  PULUMI_DIR="$(dirname "$PULUMI")"
  export PATH="$PULUMI_DIR:$PATH"
}
