"""The end-to-end tests share helpers in ``e2e_platform`` (a name no other test folder uses:
every folder's tests run in one process under --import-mode=importlib, which adds no folder to
sys.path by itself)."""

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
