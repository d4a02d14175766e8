"""Endpoint kinds: one module (or subpackage) per kind, each with its PyMC model, its exact
posterior, its frequentist reference, its spec parser and its report parts, all behind one
protocol (:mod:`bayes_trials.endpoints.base`) and listed in one registry
(:mod:`bayes_trials.endpoints.registry`)."""
