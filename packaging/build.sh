#!/usr/bin/env bash
# Build the one-folder program dist/ShopDesk/ (ShopDesk + shopdesk) with PyInstaller.
#   packaging/build.sh            uses .venv/bin/python (make package installs PyInstaller there)
#   PYTHON=python3 packaging/build.sh
# On Windows (PowerShell), from the repository root, with PyInstaller installed:
#   python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\shopdesk.spec
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/shopdesk.spec
echo "Built dist/ShopDesk in $(( $(date +%s) - start )) s, $(du -sh dist/ShopDesk | cut -f1)."
