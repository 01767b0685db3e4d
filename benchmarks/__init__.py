"""codeloop's benchmarks (SPEC-940): the harness in :mod:`benchmarks.harness`, scenarios in
``bench_*.py``. Run ``python -m benchmarks run`` from the project root; see README.md."""
