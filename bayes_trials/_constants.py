"""The package's constants, in one place: levels, directions, tags, MCMC defaults, tolerances.

Every module that needs one of these imports it from here, so that a default (the credible
level, the number of MCSEs a check allows) is stated once.
"""

from __future__ import annotations

#: the default credible level of every interval the toolkit reports
CRED_LEVEL = 0.95

#: the two directions a criterion can take: P(theta > target) or P(theta < target)
DIRECTIONS = ("greater", "less")

#: provenance tags of every number in a spec: printed in the source, computed from printed
#: numbers, or an explicit assumption of the re-analysis
TAGS = ("published", "derived", "assumed")

#: the roles a named prior plays in a re-analysis (its line style in figures)
PRIOR_ROLES = ("reference", "sceptical", "enthusiastic", "historical", "weakly-informative")

#: the two ways of computing a posterior
METHODS = ("mcmc", "exact")

# --- MCMC defaults ---------------------------------------------------------------------
DEFAULT_DRAWS = 1000
DEFAULT_TUNE = 1000
DEFAULT_CHAINS = 4
#: NUTS target acceptance, 0.9 rather than nutpie's 0.8: posteriors piled against a
#: boundary (9/9 under the Jeffreys prior is Beta(9.5, 0.5), a density unbounded at 1)
#: have long exponential tails on a logit scale (the binary kind now samples a complementary
#: log-log scale toward the pile instead; other models still have such tails), and smaller
#: steps follow them better.
DEFAULT_TARGET_ACCEPT = 0.9
#: refits tried, in order, when a fit fails its sampler diagnostics: (target_accept, draws
#: multiplier); each reuses the compiled model. A safety net: posteriors piled against 0 or
#: 1 are strongly skewed on the scales NUTS samples, and a short run can fall
#: just under the ESS bar. (At 0.99 ArviZ's MCSE of the mean was seen to underestimate the
#: error, z-scores with sd 1.3 over 30 seeds, so the retries stop at 0.95.)
RETRIES = ((0.95, 2), (0.95, 4))
#: a refit runs at least this many chains: R-hat compares chains, and with two it is noisy
#: enough to cross 1.01 for a well-mixed fit (seen: R-hat 1.015, bulk ESS 457 of 2 x 2000
#: draws, a 12/12 event under the Jeffreys prior); Vehtari et al. (2021, Bayesian Analysis
#: 16(2), doi:10.1214/20-BA1221) recommend at least four
RETRY_MIN_CHAINS = 4
#: points per batched model (prior grids and other many-fit loops): a grid is sampled in chunks
#: of this many points, the last one padded, so one compile serves a grid of any size
BATCH_SIZE = 64

# --- check tolerances -----------------------------------------------------------------
#: MCMC vs exact: a difference within this many Monte Carlo standard errors passes; for a
#: normal error, 4 MCSE is a false alarm rate of 6.3e-5 per comparison
N_MCSE = 4.0
#: the chance of any false alarm among all MCMC-vs-exact comparisons of one run: each run's
#: comparisons share a Bonferroni tolerance (:func:`bayes_trials.checks.family_wise`)
FAMILY_ALPHA = 1e-3
#: identities (a closed form against a library's value) agree to this absolute tolerance
EXACT_TOL = 1e-9
#: sampler diagnostics (Vehtari et al. 2021): R-hat below, bulk ESS at least
MAX_RHAT = 1.01
MIN_ESS = 400
#: a tail probability is "resolvable" by the draws when at least this many effective
#: draws are expected on its minority side; otherwise the exact value is reported
MIN_TAIL_DRAWS = 10
