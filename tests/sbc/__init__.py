"""Simulation-based calibration (SBC) of every PyMC model of the package.

``sbc_tools`` holds the machinery (ranks, thinning, the exact ECDF and coverage tests),
``cases`` the models (prior, simulator, fit), ``test_sbc_*`` the tests: the full suite is
marked ``sbc`` (``pytest -m sbc``); ``test_sbc_fast`` (binary and two-rate models, fewer
replicates) and ``test_sbc_machinery`` run in the default test run.
"""
