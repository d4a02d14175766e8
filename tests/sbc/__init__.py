"""Simulation-based calibration (SBC) of every PyMC model of the package.

``sbc_tools`` holds the machinery (ranks, thinning, the exact ECDF and coverage tests),
``cases`` the models (prior, simulator, fit), ``test_sbc_*`` the tests: the full suite is
marked ``sbc`` (``pytest -m sbc``); ``test_sbc_fast`` (binary and two-rate models, 100
replicates each) and ``test_sbc_machinery`` run in the default test run.
``scripts/sbc_report.py`` prints the p-values and coverages of the same simulations.

Runtime of the full suite (57 tests: 14 cases, 300-500 replicates each, 2 chains x 500
draws after 1000 warm-up draws), measured with
``/usr/bin/time -v .venv/bin/python -m pytest -q -m sbc tests/sbc`` on the 2-core machine
shared with other jobs (load average 3 to 7): 24 min 30 s wall clock, 13 min 50 s of CPU
(user + system; the job got 56% of one core on average), so about 14 min on 2 idle cores.
Per case (wall clock, including its compile, under that load): MAP prior 277 s, adverse
events half-Cauchy 264 s and half-normal 178 s, per-patient rates 159 s and varying effect
107 s, categorical 117 s, binary 74 s and 48 s, piecewise 47 s, two-rate 46 s, log RR 46 s,
exponential 38 s and 25 s, Weibull 27 s. About half of each cheap fit is the conversion of
nutpie's draws to an ArviZ DataTree (profiled on the two-rate model), not sampling.

False alarms: every test makes three assertions (ECDF uniformity, 50% and 90% coverage),
each an exact (discrete, so conservative) test that rejects a calibrated model with
probability at most ``ALPHA = 1e-5`` given independent posterior draws (the thinned MCMC
draws are nearly independent), so the 57 tests of the full suite fail a correct package
with probability at most 171 x 1e-5 = 1.7e-3, for any seed (``BT_SBC_SEED``; default
20251212).
"""
