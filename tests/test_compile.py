"""The disk-cached compile (``bayes_trials._compile``) against nutpie's own compile.

The callbacks are the only thing that changes: for a seed, the draws must be identical, bit
for bit, to ``nutpie.compile_pymc_model``'s (without ``fastmath``, as the package compiles), in the process that compiles and in a fresh
process that loads the callbacks from numba's cache (a PyTensor cache directory of the test's
own, so the first process really compiles).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

# a model with a 2-d pm.Data array whose width changes between fits, integer counts cast from
# it, a transformed parameter and a deterministic (so the expansion callback has work to do)
MODEL = textwrap.dedent(
    """
    import numpy as np
    import pymc as pm
    import pytensor.tensor as pt

    def build():
        with pm.Model() as model:
            data = pm.Data("inputs", np.ones((2, 3)))
            theta = pm.Beta("theta", 1.0, 1.0)
            scale = pm.HalfNormal("scale", 1.0)
            pm.Deterministic("odds", theta / (1 - theta))
            pm.Potential("counts", pm.logp(pm.Binomial.dist(
                n=pt.cast(data[0], "int64"), p=theta), pt.cast(data[1], "int64")).sum())
            pm.Normal("z", 0.0, scale, observed=np.array([0.3, -1.2, 0.8]))
        return model

    INPUTS = np.array([[9.0, 12.0, 5.0, 7.0], [9.0, 10.0, 1.0, 6.0]])

    def draws(compiled, seed):
        import nutpie
        tree = nutpie.sample(compiled.with_data(inputs=INPUTS), draws=200, tune=200,
                             chains=2, seed=seed, progress_bar=False)
        post = tree["posterior"]
        return {v: post[v].values for v in ("theta", "scale", "odds")}
    """
)

CHILD = textwrap.dedent(
    """
    import json, sys, warnings
    import numpy as np
    warnings.simplefilter("ignore")
    exec(open(sys.argv[1]).read())
    from bayes_trials._compile import compile_model
    compiled = compile_model(build())
    out = {k: v.tolist() for k, v in draws(compiled, 7).items()}
    out["cache_hits"] = [compiled.compiled_logp_func.cache_hits,
                         compiled.compiled_expand_func.cache_hits]
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("compile") / "model.py"
    path.write_text(MODEL)
    return path


def _nutpie_compile(model):
    """nutpie's own compile, without fastmath (as :func:`compile_model` compiles)."""
    import nutpie
    from pytensor import config

    with config.change_flags(numba__fastmath=False):
        return nutpie.compile_pymc_model(model)


def _namespace(path):
    ns: dict = {}
    exec(path.read_text(), ns)
    return ns


def test_same_draws_as_nutpies_compile_in_process(model_file):
    from bayes_trials._compile import compile_model

    ns = _namespace(model_file)
    ours = ns["draws"](compile_model(ns["build"]()), 3)
    theirs = ns["draws"](_nutpie_compile(ns["build"]()), 3)
    for name in theirs:
        np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)


def test_with_data_rank_and_name_are_checked(model_file):
    from bayes_trials._compile import compile_model

    compiled = compile_model(_namespace(model_file)["build"]())
    with pytest.raises(ValueError, match="rank 2"):
        compiled.with_data(inputs=np.ones(3))
    with pytest.raises(KeyError, match="nope"):
        compiled.with_data(nope=np.ones((2, 2)))


def test_a_fresh_process_loads_the_callbacks_and_draws_the_same(model_file, tmp_path):
    env = dict(os.environ)
    env["PYTENSOR_FLAGS"] = f"base_compiledir={tmp_path / 'pytensor'}"

    def child():
        run = subprocess.run(
            [sys.executable, "-c", CHILD, str(model_file)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        return json.loads(run.stdout.strip().splitlines()[-1])

    first, second = child(), child()
    assert first["cache_hits"] == [0, 0]  # an empty cache: compiled and saved
    assert second["cache_hits"] == [1, 1]  # loaded, not compiled
    ns = _namespace(model_file)
    reference = ns["draws"](_nutpie_compile(ns["build"]()), 7)
    for name, values in reference.items():
        np.testing.assert_array_equal(np.asarray(first[name]), values, err_msg=name)
        np.testing.assert_array_equal(np.asarray(second[name]), values, err_msg=name)


def test_without_pytensors_numba_cache_it_is_nutpies_own_compile(model_file):
    from nutpie.compile_pymc import CompiledPyMCModel
    from pytensor import config

    from bayes_trials._compile import compile_model

    ns = _namespace(model_file)
    with config.change_flags(numba__cache=False):
        compiled = compile_model(ns["build"]())
    assert type(compiled) is CompiledPyMCModel  # nutpie's class, not the cached subclass
    reference = ns["draws"](_nutpie_compile(ns["build"]()), 5)
    for name, values in ns["draws"](compiled, 5).items():
        np.testing.assert_array_equal(values, reference[name], err_msg=name)
