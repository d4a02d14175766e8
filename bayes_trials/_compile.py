"""A PyMC model compiled for nutpie, with C callbacks that numba caches on disk.

nutpie samples a PyMC model through two C callbacks: the log density with its gradient, and
the expansion of a draw into every traced variable. ``nutpie.compile_pymc_model`` builds
them with ``numba.cfunc`` around PyTensor's numba functions, but its callbacks capture the
``pm.Data`` arrays and a record type as closure values, which numba calls "dynamic
globals" and will not cache: every process paid the whole callback compile again (5 to 8 s
per model structure, ~85% of a seed spec's compile time), although PyTensor had already
cached the functions inside.

Here the callbacks are written out as source text that only names the PyTensor function
they call, and take the ``pm.Data`` arrays through nutpie's user-data pointer at run time:
an int64 vector ``[address, shape...]`` per array. Registered under a key (the PyTensor
function's own cache key, the callback's source and the versions of numba, PyTensor and
nutpie) with PyTensor's numba cache locator, numba caches them like PyTensor's functions:
the first process on a machine compiles a structure, every later one loads it (a fraction of
a second).

Same draws either way: PyTensor compiles with numba's ``fastmath`` by default, and then the
arithmetic depends on whether a function was compiled in the process (LLVM inlines it into
the callback and reassociates across) or loaded from the cache (linked as object code): the
same seed gave different draws in the first run after a model changed than in the next.
:func:`compile_model` compiles with ``fastmath`` off, where both ways round alike, so the
draws are identical, bit for bit, to nutpie's own compile of the same model without
``fastmath``, in the process that compiles and in one that loads (``tests/test_compile.py``).

Where PyTensor cannot cache a function (an Op without a cache key), or caching is switched
off (``PYTENSOR_FLAGS=numba__cache=False``), :func:`compile_model` is nutpie's own compile.

This reaches into nutpie internals (``_make_functions``, ``CompiledPyMCModel``); the lock
file pins nutpie, and the tests compare the draws with nutpie's own path so a change there
fails loudly.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numba
import numpy as np
import nutpie
import pytensor
from nutpie.compile_pymc import (
    CompiledPyMCModel,
    _make_functions,
    _prepare_dims_and_coords,
    _wrap_with_lock,
    address_as_void_pointer,
)
from pymc.initial_point import make_initial_point_fn
from pytensor import config
from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS, compile_numba_function_src

__all__ = ["compile_model"]

#: bump when the callback source template changes meaning without changing its text
_TEMPLATE = "1"


def _layout(arrays: list[np.ndarray]) -> tuple[list[int], int]:
    """Offset of each array's ``[address, shape...]`` in the user-data vector, and its length
    (at least 1: a model without ``pm.Data`` still gets a vector to point at)."""
    offsets, pos = [], 0
    for a in arrays:
        offsets.append(pos)
        pos += 1 + a.ndim
    return offsets, max(pos, 1)


def _user_data(arrays: list[np.ndarray]) -> np.ndarray:
    """The int64 vector the callbacks read the arrays from (the arrays must outlive it)."""
    offsets, length = _layout(arrays)
    out = np.zeros(length, dtype=np.int64)
    for off, a in zip(offsets, arrays):
        out[off] = a.ctypes.data
        out[off + 1 : off + 1 + a.ndim] = a.shape
    return out


def _unpack_lines(which: list[int], arrays: list[np.ndarray]) -> tuple[list[str], list[str]]:
    """Source lines viewing the arrays ``which`` from the user-data vector ``meta``."""
    offsets, _ = _layout(arrays)
    lines, names = [], []
    for i in which:
        a, off = arrays[i], offsets[i]
        shape = "".join(f"meta[{off + 1 + k}], " for k in range(a.ndim))
        lines.append(
            f"        a{i} = numba.carray(_void_ptr(meta[{off}]), ({shape}), np.{a.dtype.name})"
        )
        names.append(f"a{i}")
    return lines, names


def _logp_source(n_dim: int, length: int, unpack: list[str], args: list[str]) -> str:
    return "\n".join(
        [
            "def logp_callback(dim, x_, out_, logp_, user_data_):",
            f"    if dim != {n_dim}:",
            "        return -1",
            "    try:",
            f"        x = numba.carray(x_, ({n_dim},))",
            f"        out = numba.carray(out_, ({n_dim},))",
            "        logp = numba.carray(logp_, ())",
            f"        meta = numba.carray(user_data_, ({length},), np.int64)",
            *unpack,
            f"        logp_val, grad = inner({', '.join(['x', *args])})",
            "        logp[()] = logp_val",
            "        out[...] = grad",
            "        if not np.all(np.isfinite(out)):",
            "            return 3",
            "        if not np.isfinite(logp_val):",
            "            return 4",
            "    except Exception:",
            "        return 1",
            "    return 0",
        ]
    )


def _expand_source(n_dim: int, n_expanded: int, length: int, unpack, args) -> str:
    return "\n".join(
        [
            "def expand_callback(dim, expanded, x_, out_, user_data_):",
            f"    if dim != {n_dim}:",
            "        return -1",
            f"    if expanded != {n_expanded}:",
            "        return -1",
            "    try:",
            f"        x = numba.carray(x_, ({n_dim},))",
            f"        out = numba.carray(out_, ({n_expanded},))",
            f"        meta = numba.carray(user_data_, ({length},), np.int64)",
            *unpack,
            f"        (values,) = inner({', '.join(['x', *args])})",
            "        out[...] = values",
            "    except Exception:",
            "        return -2",
            "    return 0",
        ]
    )


def _cached_cfunc(source: str, name: str, inner, inner_key: str, signature):
    """``numba.cfunc(signature, cache=True)`` of the function ``name`` defined by ``source``,
    calling ``inner``, cached in PyTensor's numba cache under a key of all it depends on."""
    versions = f"{_TEMPLATE}|{numba.__version__}|{pytensor.__version__}|{nutpie.__version__}"
    key = hashlib.sha256(f"{versions}|{inner_key}|{source}".encode()).hexdigest()
    env = {
        "__name__": __name__,  # numba rebuilds a cached function's globals from this module
        "numba": numba,
        "np": np,
        "_void_ptr": address_as_void_pointer,
        "inner": inner,
    }
    fn = compile_numba_function_src(source, name, global_env=env, cache_key=key)
    return numba.cfunc(signature, cache=True)(fn)


def compile_model(model):
    """Compile ``model`` (a ``pm.Model``) for ``nutpie.sample``, its C callbacks cached on disk.

    Same initial points (support point with jitter), same log density and gradient, same
    expansion as ``nutpie.compile_pymc_model(model)`` (compiled without ``fastmath``), hence
    the same draws for a seed; only the callbacks' compile is cached across processes.
    ``with_data(name=array)`` swaps a ``pm.Data`` array (same rank, any shape the graph
    accepts) as nutpie's does.

    >>> import pymc as pm
    >>> import pytensor.tensor as pt
    >>> with pm.Model() as model:
    ...     n = pm.Data("n", 9.0)
    ...     theta = pm.Beta("theta", 1.0, 1.0)
    ...     _ = pm.Binomial("y", n=pt.cast(n, "int64"), p=theta, observed=9)
    >>> compiled = compile_model(model).with_data(n=12.0)
    >>> compiled.n_dim
    1
    """
    with config.change_flags(numba__fastmath=False):  # IEEE arithmetic: see the module notes
        if not config.numba__cache:
            return nutpie.compile_pymc_model(model)
        return _compile(model)


def _compile(model):
    initial_point = make_initial_point_fn(
        model=model,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    n_dim, n_expanded, logp_pt, expand_pt, initial_fn, shape_info, renamed = _make_functions(
        model,
        mode="NUMBA",
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=_wrap_with_lock(initial_point),
    )
    logp_jit, expand_jit = logp_pt.vm.jit_fn, expand_pt.vm.jit_fn
    inner_keys = [CACHED_SRC_FUNCTIONS.get(f.py_func) for f in (logp_jit, expand_jit)]
    if None in inner_keys:  # an Op PyTensor cannot cache: nutpie's own compile
        return nutpie.compile_pymc_model(model)

    shared = []
    for var in [*logp_pt.get_shared(), *expand_pt.get_shared()]:
        if var not in shared:
            shared.append(var)
    arrays = [np.array(v.get_value(), order="C", copy=True) for v in shared]
    _, length = _layout(arrays)

    types = numba.types
    unpack, args = _unpack_lines([shared.index(v) for v in logp_pt.get_shared()], arrays)
    logp_c = _cached_cfunc(
        _logp_source(n_dim, length, unpack, args),
        "logp_callback",
        logp_jit,
        inner_keys[0],
        types.int64(
            types.uint64,
            types.CPointer(types.double),
            types.CPointer(types.double),
            types.CPointer(types.double),
            types.voidptr,
        ),
    )
    unpack, args = _unpack_lines([shared.index(v) for v in expand_pt.get_shared()], arrays)
    expand_c = _cached_cfunc(
        _expand_source(n_dim, n_expanded, length, unpack, args),
        "expand_callback",
        expand_jit,
        inner_keys[1],
        types.int64(
            types.uint64,
            types.uint64,
            types.CPointer(types.double),
            types.CPointer(types.double),
            types.voidptr,
        ),
    )
    for a in arrays:
        a.flags.writeable = False
    dims, coords = _prepare_dims_and_coords(model, shape_info, renamed)
    return CachedPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info)},
        compiled_logp_func=logp_c,
        compiled_expand_func=expand_c,
        initial_point_func=initial_fn,
        shared_data={v.name: a for v, a in zip(shared, arrays)},
        shared_var_keys={v: v.name for v in shared},
        user_data=_user_data(arrays),
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_pt,
        expand_func=expand_pt,
        reparameterized_names=renamed,
    )


@dataclasses.dataclass(frozen=True)
class CachedPyMCModel(CompiledPyMCModel):
    """nutpie's compiled model whose user data is this module's int64 vector."""

    def with_data(self, **updates):
        data = dict(self.shared_data)
        for name, value in updates.items():
            if name not in data:
                raise KeyError(f"Unknown shared variable: {name}")
            new = np.array(value, dtype=data[name].dtype, order="C", copy=True)
            if new.ndim != data[name].ndim:
                raise ValueError(f"Shared variable {name} must have rank {data[name].ndim}")
            new.flags.writeable = False
            data[name] = new
        return dataclasses.replace(
            self, shared_data=data, user_data=_user_data(list(data.values()))
        )
