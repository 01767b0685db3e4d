"""``python -m codeloop``: the same entry point as the ``codeloop`` console script."""

from codeloop.cli import main

if __name__ == "__main__":
    main()
