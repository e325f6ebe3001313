#!/usr/bin/env bash
# Installs the Python peers that `make bench` measures the encoder against into a venv under
# ~/.cache/profilestream/pyref-peers (idempotent; prints the venv's python on stdout):
#   - PyPI torch (used on the CPU only). Its Linux x86-64 wheel is a CUDA build whose libtorch.so
#     links the CUDA libraries, so `pip install --no-deps torch` does not import (libcudart.so
#     not found: checked with torch 2.15): it is installed with its nvidia-* dependencies, about
#     5.5 GB on disk, once per machine.
#   - onnxruntime (fp32 and int8 graphs made with its quantize_dynamic), onnx and onnxscript
#     (torch.onnx.export).
# Fails loudly (exit 1) when any of it cannot be had: benchmarks never print a figure without
# their reference. PYREF_VENV overrides the location.
set -euo pipefail
VENV="${PYREF_VENV:-$HOME/.cache/profilestream/pyref-peers}"
PY="${PYTHON:-python3}"
stamp="$VENV/.installed-v1"
if [ -f "$stamp" ] && "$VENV/bin/python" -c 'import torch, onnxruntime, onnx' >/dev/null 2>&1; then
  echo "$VENV/bin/python"
  exit 0
fi
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "python-peers: $PY lacks venv/ensurepip; installing python3-venv with apt-get" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
mkdir -p "$(dirname "$VENV")"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" >&2
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" >&2; }
{
  pip install --upgrade pip
  pip install torch numpy
  pip install onnxruntime onnx onnxscript
} || { echo "python-peers: FAILED to install the Python peers into $VENV" >&2; exit 1; }
if ! "$VENV/bin/python" - >&2 <<'PYEOF'
import torch, onnxruntime, onnx
a = torch.randn(64, 64)
assert torch.allclose(a @ torch.eye(64), a)
print("python-peers: torch", torch.__version__, "onnxruntime", onnxruntime.__version__, "onnx", onnx.__version__)
PYEOF
then
  echo "python-peers: FAILED: the installed peers do not import or run" >&2
  exit 1
fi
touch "$stamp"
echo "$VENV/bin/python"
