"""Turn a msgspec ValidationError into the key it concerns and a message for people.

msgspec reports ``Invalid enum value 'x' - at `$.model_providers[...].wire_api``: the dict key is
hidden behind ``[...]`` and the allowed values are not listed. Here the failing entry is found by
validating each entry of that dict on its own (msgspec stops at the first error, so the first entry
that fails is the one it meant), and the allowed values come from the field's ``Literal`` type.
This runs only when validation has already failed, so it may be slow.
"""

from __future__ import annotations

import re
import types
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Union, get_args, get_origin

import msgspec

if TYPE_CHECKING:
    from codeloop.config.keys import KeyPath

__all__ = ["Problem", "explain"]

_MESSAGE = re.compile(r"(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?", re.S)
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+)\]|(\[\.\.\.\])")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<field>[^`]*)`")
_MISSING = re.compile(r"Object missing required field `(?P<field>[^`]*)`")
_EXPECTED = re.compile(r"Expected `(?P<want>[^`]*)`, got `(?P<got>[^`]*)`(?P<rest>.*)", re.S)

# msgspec's (JSON) type names as a TOML user knows them.
_TYPE_NAMES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "object": "a table",
    "array": "an array",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
}


class Problem(NamedTuple):
    """What is wrong, and where. ``unknown`` means ``path`` is an unknown key to drop."""

    path: KeyPath
    message: str
    unknown: bool = False


def _members(tp: Any) -> tuple[Any, ...]:
    return get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)


def _field_type(tp: Any, name: str) -> Any:
    for member in _members(tp):
        if isinstance(member, type) and issubclass(member, msgspec.Struct):
            for field in msgspec.structs.fields(member):
                if field.encode_name == name:
                    return field.type
    return None


def _container_arg(tp: Any, container: type, index: int) -> Any:
    for member in _members(tp):
        if get_origin(member) is container:
            return get_args(member)[index]
    return None


def _choices(tp: Any) -> list[str]:
    return [
        str(arg)
        for member in _members(tp)
        if get_origin(member) is Literal
        for arg in get_args(member)
    ]


def _only_literals(tp: Any) -> bool:
    members = [m for m in _members(tp) if m is not type(None)]
    return bool(members) and all(get_origin(m) is Literal for m in members)


def _type_names(text: str) -> str:
    names = [_TYPE_NAMES.get(t, t) for t in text.split(" | ") if t != "null"]
    return " or ".join(names)


def _describe(msg: str, tp: Any) -> str:
    choices = _choices(tp)
    if choices and (
        msg.startswith("Invalid enum value") or (msg.startswith("Expected") and _only_literals(tp))
    ):
        return "expected one of " + ", ".join(choices)
    m = _EXPECTED.fullmatch(msg)
    if m:
        return f"expected {_type_names(m['want'])}, got {_type_names(m['got'])}{m['rest']}"
    msg = msg.replace("`", "")
    return msg[:1].lower() + msg[1:]


def explain(data: Any, tp: Any, error: str) -> Problem:
    """Where in ``data`` (converted to ``tp``) the msgspec ``error`` is, and what to say."""
    m = _MESSAGE.fullmatch(error)
    msg, where = (m["msg"], m["path"] or "") if m else (error, "")
    path: list[str | int] = []
    cur, cur_tp = data, tp
    for seg in _SEGMENT.finditer(where):
        name, index, hidden = seg.groups()
        if hidden is not None:
            value_tp = _container_arg(cur_tp, dict, 1)
            if isinstance(cur, dict) and value_tp is not None:
                for key, value in cur.items():
                    try:
                        msgspec.convert(value, value_tp)
                    except msgspec.ValidationError as e:
                        sub = explain(value, value_tp, str(e))
                        return Problem((*path, key, *sub.path), sub.message, sub.unknown)
            break
        if name is not None:
            cur = cur.get(name) if isinstance(cur, dict) else None
            cur_tp = _field_type(cur_tp, name)
            path.append(name)
        else:
            i = int(index)
            cur = cur[i] if isinstance(cur, list) and i < len(cur) else None
            cur_tp = _container_arg(cur_tp, list, 0)
            path.append(i)
    if um := _UNKNOWN.fullmatch(msg):
        return Problem((*path, um["field"]), "unknown key", unknown=True)
    if mm := _MISSING.fullmatch(msg):
        return Problem(tuple(path), f"missing required key '{mm['field']}'")
    return Problem(tuple(path), _describe(msg, cur_tp))
