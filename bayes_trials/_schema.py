"""The building blocks of the spec format's schema: strict tables, typed numbers, located errors.

Every table a spec (or a grid file) may hold is a pydantic model derived from
:class:`SpecModel`: an unknown key is refused (``extra="forbid"``) with a suggestion, types
are strict (the string ``"9"`` is not a number, ``true`` is not 1), NaN and infinities are
refused. The number types (:data:`Real`, :data:`Positive`, :data:`Probability`,
:data:`Count`, ...) validate with :mod:`bayes_trials._validate`, so a spec and a Python
call refuse the same values with the same words.

:func:`problems` turns a :class:`pydantic.ValidationError` into ``(path, message)`` pairs,
the path as a user writes it (``published[0].quantity``: union tags dropped) and the message
in the package's words (``unknown field; did you mean 'direction'?``); :class:`ErrorList`
collects located :class:`~bayes_trials.errors.SpecError` s so that a spec's errors are
reported together.

Example
-------
>>> from pydantic import Field, ValidationError
>>> class Counts(SpecModel):
...     events: Count = Field(description="patients with the event")
...     direction: Direction = Field("greater", description="the tail")
>>> try:
...     Counts.model_validate({"events": 3, "Direction": "less"})
... except ValidationError as exc:
...     problems(exc, Counts)
[(('Direction',), "unknown field; did you mean 'direction'?")]
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable
from contextlib import contextmanager
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    PlainValidator,
    Tag,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import PydanticCustomError

from . import _validate as v
from ._constants import DIRECTIONS, TAGS
from .errors import BayesTrialsError, SpecError, SpecErrors

__all__ = [
    "SpecModel",
    "Real",
    "Number",
    "Positive",
    "Probability",
    "Count",
    "PositiveCount",
    "Percent",
    "Text",
    "TagName",
    "Direction",
    "forms",
    "problems",
    "path_text",
    "did_you_mean",
    "ErrorList",
    "validate",
    "JsonSchema",
    "json_schema",
]


class SpecModel(BaseModel):
    """A table of the spec format: strict types, unknown keys refused, immutable.

    ``unknown_keys`` maps a key the table does not take to a hint shown instead of the
    generic suggestion (e.g. where that information goes instead).
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)

    unknown_keys: ClassVar[dict[str, str]] = {}


def _error(kind: str, text: str) -> PydanticCustomError:
    # the text is passed as context, so that braces in it are not read as placeholders
    return PydanticCustomError(kind, "{reason}", {"reason": text})


def _number_type(check: Callable, schema: dict, base=float):
    """An ``Annotated`` number type: a TOML integer or float (not a boolean), then ``check``."""

    def validate(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _error("number_type", f"must be a number, got {value!r}")
        try:
            return check(value)
        except BayesTrialsError as err:
            raise _error("number_value", err.reason) from None

    return Annotated[base, PlainValidator(validate), WithJsonSchema(schema)]


def _keep(check):
    def kept(value):
        check(value, "", SpecError)
        return value

    return kept


def _percent(value, field, error):
    value = v.finite_real(value, field, error)
    if not 0 <= value <= 100:
        raise error(f"must lie between 0 and 100, got {value:g}", field=field)
    return value


def _at_least_one(value, field, error):
    value = v.count(value, field, error)
    if value < 1:
        raise error(f"must be at least 1, got {value}", field=field)
    return value


#: a finite number (as a float)
Real = _number_type(lambda x: v.finite_real(x, "", SpecError), {"type": "number"})
#: a finite number, kept as written (an integer stays an integer): the value of a sourced number
Number = _number_type(_keep(v.finite_real), {"type": "number"}, base=int | float)
#: a number > 0
Positive = _number_type(
    lambda x: v.positive(x, "", SpecError), {"type": "number", "exclusiveMinimum": 0}
)
#: a probability strictly between 0 and 1
Probability = _number_type(
    lambda x: v.open_unit(x, "", SpecError),
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
)
#: a whole number >= 0 (9.0 is taken as 9)
Count = _number_type(
    lambda x: v.count(x, "", SpecError), {"type": "integer", "minimum": 0}, base=int
)
#: a whole number >= 1
PositiveCount = _number_type(
    lambda x: _at_least_one(x, "", SpecError), {"type": "integer", "minimum": 1}, base=int
)
#: a percentage from 0 to 100
Percent = _number_type(
    lambda x: _percent(x, "", SpecError), {"type": "number", "minimum": 0, "maximum": 100}
)


def _text(value):
    if not isinstance(value, str):
        raise _error("string_type", f"must be text, got {value!r}")
    if not value.strip():
        raise _error("blank", "must not be empty")
    return value


#: non-empty text
Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string", "minLength": 1})]
#: a provenance tag
TagName = Literal[TAGS]
#: the direction of a criterion: P(theta > target) or P(theta < target)
Direction = Literal[DIRECTIONS]


def _form(value) -> str:
    return (
        "table"
        if isinstance(value, dict)
        else "text"
        if isinstance(value, str)
        else "list"
        if isinstance(value, list)
        else "number"
    )


def forms(**members):
    """A field written in one of several forms, told apart by the TOML value's type:
    ``forms(number=Positive, table=HalfScale)`` (keys among ``number``, ``text``, ``table``,
    ``list``). Errors name the field, not the form (:func:`problems`)."""
    choices = tuple(Annotated[tp, Tag(form)] for form, tp in members.items())
    expected = " or ".join(
        {"number": "a number", "text": "text", "table": "a table", "list": "a list"}[f]
        for f in members
    )
    return Annotated[
        Union[choices],  # noqa: UP007 (a union of a tuple of members, built at run time)
        Discriminator(_form, custom_error_type="form", custom_error_message=f"must be {expected}"),
    ]


# =====================================================================================
# errors: pydantic's, as the user's path and the package's words
# =====================================================================================
def did_you_mean(word, choices, *, listing: bool = True) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices`` (case ignored first), else
    (with ``listing``) ``"; allowed: a, b, c"``.

    >>> did_you_mean("Direction", ["direction", "target"])
    "; did you mean 'direction'?"
    >>> did_you_mean("colour", ["direction", "target"])
    '; allowed: direction, target'
    """
    choices = [str(c) for c in choices]
    word = str(word)
    folded = {c.casefold(): c for c in choices}
    close = (
        [folded[word.casefold()]]
        if word.casefold() in folded
        else difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
        or [
            folded[c]
            for c in difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
        ]
    )
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; allowed: {', '.join(choices)}" if listing and choices else ""


def path_text(parts) -> str:
    """A path as written in TOML: ``("published", 0, "quantity")`` -> ``published[0].quantity``."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _unwrap(tp, disc=None):
    """Strip ``Annotated`` and ``Optional``; return the type and any discriminator met."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            base, *meta = get_args(tp)
            for m in meta:
                d = getattr(m, "discriminator", None)
                if d is not None:
                    disc = d
            tp = base
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp, disc


def _member(tp, disc, tag):
    """The member of a union that pydantic named ``tag`` in an error location, or None."""
    for m in get_args(tp):
        base, meta = (get_args(m)[0], get_args(m)[1:]) if get_origin(m) is Annotated else (m, ())
        if any(getattr(x, "tag", None) == tag for x in meta):
            return m
        if isinstance(disc, str) and isinstance(base, type) and issubclass(base, BaseModel):
            f = base.model_fields.get(disc)
            if (
                f is not None
                and get_origin(f.annotation) is Literal
                and tag in get_args(f.annotation)
            ):
                return m
    return None


def _walk(root, loc):
    """Follow an error location through the schema: the path as the user writes it (union
    tags dropped) and the last table met (the one an unknown key was found in)."""
    tp, disc, parts, table = root, None, [], None
    for item in loc:
        if tp is None:
            parts.append(item)
            continue
        tp, disc = _unwrap(tp, disc)
        origin = get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            table = tp
            parts.append(item)
            f = tp.model_fields.get(item) if isinstance(item, str) else None
            tp, disc = (None, None) if f is None else (f.annotation, f.discriminator)
        elif origin in (list, tuple):
            parts.append(item)
            args = get_args(tp)
            tp, disc = (args[0] if args else None), None
        elif origin is dict:
            parts.append(item)
            tp, disc = get_args(tp)[1], None
        elif origin in (Union, types.UnionType):
            member = _member(tp, disc, item)
            if member is None:  # not a tag: give up following the schema
                parts.append(item)
                tp = None
            else:
                tp, disc = member, None
        else:
            parts.append(item)
            tp = None
    if tp is not None:
        last, _ = _unwrap(tp, disc)
        if isinstance(last, type) and issubclass(last, BaseModel):
            table = last
    return tuple(parts), table


def _got(value) -> str:
    return repr(value)


def _message(err: dict, table) -> str:
    kind, inp, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = err["loc"][-1]
        hints = getattr(table, "unknown_keys", {}) if table is not None else {}
        if key in hints:
            return f"unknown field; {hints[key]}"
        names = list(table.model_fields) if table is not None else []
        return "unknown field" + did_you_mean(key, names)
    if kind == "missing":
        return "missing field"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        if expected:
            hint = did_you_mean(inp, expected, listing=False) if isinstance(inp, str) else ""
            return f"must be one of {', '.join(map(repr, expected))}, got {_got(inp)}{hint}"
        return f"must be {ctx.get('expected')}, got {_got(inp)}"
    if kind == "form":
        return f"{err.get('msg')}, got {_got(inp)}"
    if kind == "union_tag_invalid":
        expected = re.findall(r"'([^']*)'", ctx.get("expected_tags", ""))
        return (
            f"unknown {ctx.get('discriminator', '').strip(chr(39))} {ctx.get('tag')!r}"
            f"{did_you_mean(ctx.get('tag'), expected)}"
        )
    if kind == "union_tag_not_found":
        return "missing field"
    simple = {
        "string_type": "must be text",
        "bool_type": "must be true or false",
        "list_type": "must be a list",
        "dict_type": "must be a table",
        "model_type": "must be a table",
        "model_attributes_type": "must be a table",
        "int_type": "must be a whole number",
        "float_type": "must be a number",
    }
    if kind in simple:
        return f"{simple[kind]}, got {_got(inp)}"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return (
            "must not be empty"
            if n == 1
            else f"needs at least {n} entries, got {ctx.get('actual_length')}"
        )
    if kind == "string_too_short":
        return "must not be empty"
    msg = err.get("msg", "")
    return msg[len("Value error, ") :] if msg.startswith("Value error, ") else msg


def problems(exc: ValidationError, root, *, custom: dict | None = None) -> list[tuple[tuple, str]]:
    """A validation error of ``root`` (a model or an ``Annotated`` type) as ``(path, message)``
    pairs, in the order pydantic found them.

    ``custom`` maps an error type (a discriminator's ``custom_error_type``) to
    ``fn(error dict) -> (extra path parts, message)``.

    Where a discriminator has no tag (``kind`` missing or unknown), the path ends with the
    discriminator's field, so that the error names it.
    """
    out = []
    for err in exc.errors(include_url=False):
        parts, table = _walk(root, err["loc"])
        if custom and err["type"] in custom:
            extra, msg = custom[err["type"]](err)
            out.append((parts + tuple(extra), msg))
            continue
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            parts = parts + (str((err.get("ctx") or {}).get("discriminator", "")).strip("'"),)
        out.append((parts, _message(err, table)))
    # a misspelt key is one mistake: its "did you mean 'x'?" stands for "x: missing field"
    meant = {
        parts[:-1] + (m.group(1),)
        for parts, msg in out
        if (m := re.match(r"unknown field; did you mean '([^']*)'\?$", msg))
    }
    return [(parts, msg) for parts, msg in out if not (msg == "missing field" and parts in meant)]


_ADAPTERS: dict = {}


def _adapter(tp) -> TypeAdapter:
    key = id(tp)
    if key not in _ADAPTERS:
        _ADAPTERS[key] = (tp, TypeAdapter(tp))  # the type is kept, so that its id stays its own
    return _ADAPTERS[key][1]


def validate(tp, value, **kwargs):
    """``value`` validated as ``tp`` (a model or an ``Annotated`` type): ``(result, [])`` or
    ``(None, problems)`` (:func:`problems`; ``kwargs`` go to it)."""
    try:
        return _adapter(tp).validate_python(value), []
    except ValidationError as exc:
        return None, problems(exc, tp, **kwargs)


class ErrorList:
    """Located :class:`~bayes_trials.errors.SpecError` s, collected so that they are reported
    together (:meth:`raise_if_any`: one error as itself, several as a
    :class:`~bayes_trials.errors.SpecErrors`)."""

    def __init__(self, file=None):
        self.file = None if file is None else str(file)
        self.errors: list[SpecError] = []

    def __len__(self) -> int:
        return len(self.errors)

    def add(self, err: BayesTrialsError, *, endpoint=None, field_prefix: str = "") -> None:
        """Record an error (a DataError or PriorError becomes a SpecError, located)."""
        if isinstance(err, SpecErrors):
            for e in err.errors:
                self.add(e, endpoint=endpoint, field_prefix=field_prefix)
            return
        fld = err.field
        if field_prefix:
            fld = f"{field_prefix}.{fld}" if fld else field_prefix
        self.errors.append(
            SpecError(
                err.reason, file=err.file or self.file, endpoint=err.endpoint or endpoint, field=fld
            )
        )

    def add_problems(self, found, *, endpoint=None, prefix: str = "") -> None:
        """Record :func:`problems` output, each path under ``prefix``."""
        for parts, msg in found:
            fld = path_text(parts)
            if prefix:
                fld = f"{prefix}.{fld}" if fld and not fld.startswith("[") else f"{prefix}{fld}"
            self.errors.append(SpecError(msg, file=self.file, endpoint=endpoint, field=fld or None))

    @contextmanager
    def catch(self, *, endpoint=None, field_prefix: str = ""):
        """Record a :class:`~bayes_trials.errors.BayesTrialsError` raised inside, and go on."""
        try:
            yield
        except BayesTrialsError as err:
            self.add(err, endpoint=endpoint, field_prefix=field_prefix)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise SpecErrors(self.errors)


# =====================================================================================
# JSON Schema
# =====================================================================================
class JsonSchema(GenerateJsonSchema):
    """JSON Schema for TOML: no ``null`` (TOML has none), no generated titles."""

    def nullable_schema(self, schema):
        return self.generate_inner(schema["schema"])

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def default_schema(self, schema):
        out = super().default_schema(schema)
        if out.get("default", 0) is None:
            out.pop("default")
        return out


def plain_text(text: str) -> str:
    r"""A docstring as Markdown: reST roles and double backquotes as code, lines joined.

    >>> plain_text("a :class:`~x.Beta` prior, ``mean``\n  and ``ess``")
    'a `Beta` prior, `mean` and `ess`'
    """
    text = re.sub(r":(?:class|func|meth|mod|data|attr|obj):`~?(?:[\w.]+\.)?([^`]+)`", r"`\1`", text)
    return " ".join(text.replace("``", "`").split())


def _clean(obj):
    if isinstance(obj, dict):
        return {
            k: plain_text(x) if k == "description" and isinstance(x, str) else _clean(x)
            for k, x in obj.items()
        }
    if isinstance(obj, list):
        return [_clean(x) for x in obj]
    return obj


def json_schema(tp, **kwargs) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a model or ``Annotated`` type, for TOML editors
    (descriptions as Markdown)."""
    return _clean(_adapter(tp).json_schema(schema_generator=JsonSchema, **kwargs))
