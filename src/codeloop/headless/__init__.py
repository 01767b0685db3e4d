"""Headless front end: ``codeloop exec`` (human output or the ``--json`` event stream)."""
