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
