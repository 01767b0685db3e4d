"""codeloop: a terminal coding agent.

Importing this package has no side effects and imports nothing heavy: the version lives here so that
``codeloop --version`` can answer without loading click, httpx or msgspec.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
