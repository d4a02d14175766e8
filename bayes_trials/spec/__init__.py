"""The spec format: one TOML file per trial, parsed and validated before any sampling.

:func:`load_spec` reads a file into a :class:`TrialSpec`: the trial, the sampling settings,
the named priors (:mod:`bayes_trials.spec.priors`) and the endpoints, each parsed by its
kind's parser (:data:`bayes_trials.endpoints.registry.KINDS`).
"""

from .loading import EndpointSpec, ReportedSpec, TrialSpec, load_spec, parse_spec
from .priors import PriorSpec

__all__ = ["load_spec", "parse_spec", "TrialSpec", "EndpointSpec", "ReportedSpec", "PriorSpec"]
