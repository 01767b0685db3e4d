"""``python -m benchmarks run|list|compare`` (see README.md)."""

from __future__ import annotations

from benchmarks.harness import main

if __name__ == "__main__":
    raise SystemExit(main())
