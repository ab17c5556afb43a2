#!/usr/bin/env bash
# Create one virtual environment per peer simulator under benchmarks/peers/.envs/
# and install the pinned packages from PyPI. Idempotent: an env that already
# exists and imports its simulator is left alone.
#
#   bash benchmarks/peers/install.sh            # all peers
#   bash benchmarks/peers/install.sh nest brian2  # some of them
#   FORCE=1 bash benchmarks/peers/install.sh    # recreate the envs
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENVS="$HERE/.envs"
PY="${PYTHON:-python3.11}"
mkdir -p "$ENVS"

# pinned versions (Python 3.11)
NEST_PKGS=("nest-simulator==3.10.0" "numpy<2.4")
BRIAN2_PKGS=("brian2==2.9.0" "numpy==2.3.5" "cython" "setuptools")
# brainevent's CPU kernels need numba but do not declare it
BRAINSTATE_PKGS=("brainstate==0.5.4" "brainevent==0.2.1" "numba")

export PYNEST_QUIET=1

check_import() {  # env, python statement
    [ -x "$ENVS/$1/bin/python" ] && "$ENVS/$1/bin/python" -c "$2" >/dev/null 2>&1
}

install_env() {  # name, import-check, packages...
    local name="$1" check="$2"; shift 2
    if [ -z "${FORCE:-}" ] && check_import "$name" "$check"; then
        echo "[$name] already installed: $("$ENVS/$name/bin/python" -c "$check")"
        return 0
    fi
    echo "[$name] creating $ENVS/$name with $PY"
    rm -rf "$ENVS/$name"
    "$PY" -m venv "$ENVS/$name"
    "$ENVS/$name/bin/python" -m pip install --quiet --upgrade pip
    "$ENVS/$name/bin/python" -m pip install --quiet "$@"
    if check_import "$name" "$check"; then
        echo "[$name] ok: $("$ENVS/$name/bin/python" -c "$check")"
    else
        echo "[$name] FAILED to import after install:" >&2
        "$ENVS/$name/bin/python" -c "$check" || true
        return 1
    fi
}

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(nest brian2 brainstate)
status=0
for w in "${want[@]}"; do
    case "$w" in
        nest) install_env nest \
            "import nest; print('nest', nest.__version__)" \
            "${NEST_PKGS[@]}" || status=1 ;;
        brian2) install_env brian2 \
            "import brian2, numpy; print('brian2', brian2.__version__, 'numpy', numpy.__version__)" \
            "${BRIAN2_PKGS[@]}" || status=1 ;;
        brainstate) install_env brainstate \
            "import brainstate, brainevent, jax, numba; print('brainstate', brainstate.__version__, 'brainevent', brainevent.__version__, 'jax', jax.__version__)" \
            "${BRAINSTATE_PKGS[@]}" || status=1 ;;
        *) echo "unknown peer: $w (nest|brian2|brainstate)" >&2; status=1 ;;
    esac
done
exit $status
