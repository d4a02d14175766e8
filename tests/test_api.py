"""Every public function of the public API (``bayes_trials.__all__``) carries type annotations.

Public API: each name in ``__all__``; for an exported class, the public methods (names not
starting with ``_``) defined directly on it. Every parameter but ``self``/``cls``/``*args``/
``**kwargs`` is annotated, and so is the return type.
"""

from __future__ import annotations

import inspect

import bayes_trials as bt


def _public_functions(namespace) -> list[tuple[str, object]]:
    out = []
    for name in namespace.__all__:
        obj = getattr(namespace, name)
        if inspect.isfunction(obj):
            out.append((name, obj))
        elif inspect.isclass(obj):
            out += [
                (f"{name}.{key}", value)
                for key, value in vars(obj).items()
                if inspect.isfunction(value) and not key.startswith("_")
            ]
    return out


def _unannotated(functions) -> list[str]:
    missing = []
    for name, fn in functions:
        sig = inspect.signature(fn)
        params = [
            p
            for p in sig.parameters.values()
            if p.name not in ("self", "cls") and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ]
        if (
            any(p.annotation is inspect.Parameter.empty for p in params)
            or sig.return_annotation is inspect.Signature.empty
        ):
            missing.append(name)
    return missing


def test_public_api_is_annotated():
    functions = _public_functions(bt)
    assert len(functions) > 100  # the walk found the API (functions and exported classes' methods)
    assert _unannotated(functions) == []


def test_the_check_catches_a_missing_annotation():
    def no_return(x: int):
        return x

    def no_param(x) -> int:
        return x

    def complete(self, x: int, *args, **kwargs) -> int:
        return x

    found = _unannotated([("no_return", no_return), ("no_param", no_param), ("ok", complete)])
    assert found == ["no_return", "no_param"]
