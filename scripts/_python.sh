# Sourced by scripts/setup and scripts/check (not a command): finds Python 3.11+ and installs
# pinned requirements into a virtual environment, with uv where it can be had (a fresh
# install takes seconds instead of minutes) and pip otherwise.
#   EXO_CDK_INSTALLER=pip   use pip, and so pip's own configuration, even where uv can be had
# uv is the one on PATH, else this pinned release installed into .venv/ with pip.
UV_VERSION=0.13.9

find_python() {
  python=""
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python=$candidate
      return 0
    fi
  done
  echo "setup: Python 3.11 or newer is required" >&2
  exit 1
}

# new_venv DIR: a virtual environment at DIR, unless one is there.
new_venv() {
  [ -x "$1/bin/python" ] || "$python" -m venv "$1"
}

# pick_installer: sets $uv to a uv executable, or to nothing when pip is to install.
pick_installer() {
  uv=""
  [ "${EXO_CDK_INSTALLER:-}" != pip ] || return 0
  if command -v uv >/dev/null 2>&1; then
    uv=$(command -v uv)
  elif [ -x .venv/bin/uv ] && [ "$(.venv/bin/uv --version 2>/dev/null)" = "uv $UV_VERSION" ]; then
    uv=$PWD/.venv/bin/uv
  elif .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"; then
    uv=$PWD/.venv/bin/uv
  else
    echo "setup: uv $UV_VERSION could not be installed; installing with pip (slower)" >&2
  fi
}

# install_into VENV ARGS...: `pip install ARGS` into VENV, by uv or pip.
install_into() {
  local venv=$1
  shift
  if [ -n "$uv" ]; then
    "$uv" pip install --quiet --python "$venv/bin/python" "$@"
  else
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  fi
}

# compile_bytecode VENV LEVEL...: the bytecode of every package in VENV, written ahead for
# each optimization LEVEL (0: `python`; 2: `python -OO`, as cdk.json runs the app). Without
# it, a machine with PYTHONDONTWRITEBYTECODE set (or a venv it cannot write) compiles the
# CDK's 100 MB of Python source in every run: seconds each time. A file that does not
# compile (a package's Python 2 example, say) is skipped; it is never imported.
compile_bytecode() {
  local venv=$1 level site
  shift
  local levels=()
  for level in "$@"; do levels+=(-o "$level"); done
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  "$venv/bin/python" -m compileall -q -j 0 "${levels[@]}" "$site" >/dev/null 2>&1 || true
}
