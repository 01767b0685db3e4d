"""The error hierarchy: one line for people, a hint, and the tree in the docstring is true."""

from __future__ import annotations

import inspect

import codeloop.errors as errors_module
from codeloop.errors import (
    CodeloopError,
    ConfigError,
    ContextWindowExceededError,
    ModelAPIError,
    RateLimitError,
    RateLimitInfo,
    ServerError,
    StreamIdleTimeoutError,
    StreamInterruptedError,
    UsageLimitError,
)


def test_config_error_reads_file_line_key() -> None:
    err = ConfigError(
        "expected one of untrusted, on-failure, on-request, never",
        path="config.toml",
        line=12,
        key="approval_policy",
    )
    assert str(err) == (
        "config.toml:12: approval_policy: expected one of untrusted, on-failure, on-request, never"
    )
    assert err.line == 12 and err.key == "approval_policy"
    assert "\n" not in err.one_line()


def test_config_error_without_location() -> None:
    assert str(ConfigError("bad", key="model")) == "model: bad"


def test_every_error_has_a_hint_and_one_line() -> None:
    for name in errors_module.__all__:
        obj = getattr(errors_module, name)
        if inspect.isclass(obj) and issubclass(obj, CodeloopError) and obj is not ConfigError:
            err = obj("something failed")
            assert err.message == "something failed"
            assert "\n" not in err.one_line()


def test_retryable_flags() -> None:
    assert ServerError("x").retryable
    assert StreamIdleTimeoutError("x").retryable
    assert isinstance(StreamIdleTimeoutError("x"), StreamInterruptedError)
    assert not UsageLimitError("x").retryable
    assert not ContextWindowExceededError("x").retryable
    rl = RateLimitError("slow down", retry_after=1.5, rate_limits=RateLimitInfo(limit=10))
    assert rl.retryable and rl.retry_after == 1.5
    assert rl.rate_limits is not None and rl.rate_limits.limit == 10


def test_docstring_tree_names_every_error_class() -> None:
    doc = errors_module.__doc__ or ""
    for name in errors_module.__all__:
        obj = getattr(errors_module, name)
        if inspect.isclass(obj) and issubclass(obj, CodeloopError):
            assert name in doc, f"{name} missing from the tree in codeloop/errors.py"
    assert issubclass(RateLimitError, ModelAPIError)
