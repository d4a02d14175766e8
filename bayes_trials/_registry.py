"""The spec format's extension points, in a module that imports nothing of the package.

Endpoint modules register their prior families here when they are imported;
:mod:`bayes_trials.spec` reads the table when it parses ``[priors.<name>]`` tables. Keeping
the table here, not in ``spec.py``, lets an endpoint module register without importing the
spec module (which itself imports the endpoints).
"""

from __future__ import annotations

#: prior families contributed by endpoint modules: family -> (parse, resolve), where
#: ``parse(raw, where) -> params`` validates a ``[priors.<name>]`` table with
#: ``family = "<family>"`` (raising SpecError naming ``where.<field>``), and
#: ``resolve(params, endpoint) -> prior`` builds the prior object for an endpoint.
PRIOR_FAMILIES: dict = {}


def register_prior_family(family: str, parse, resolve) -> None:
    """Let an endpoint module add a prior family to the spec format (e.g. ``dirichlet``)."""
    PRIOR_FAMILIES[family] = (parse, resolve)
