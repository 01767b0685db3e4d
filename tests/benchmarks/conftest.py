"""Make the project root importable so the tests can import the ``benchmarks`` package
(``python -m pytest`` puts the cwd on sys.path; the ``pytest`` script does not)."""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
