"""``seawatch validate``: does the capsize index separate deadly conditions from safe ones?

A product package (it may use core, geo, fetchers, incidents and layers; never web, schedule,
pipeline or cli):

- :mod:`~seawatch.validate.conditions`: the sea state and the index at each incident's position
  and day, from a hindcast, through the same layer kernels as the forecasts.
- :mod:`~seawatch.validate.designs`: time-stratified case-crossover referents and the
  within-exposed (fatal vs non-fatal) matched sets.
- :mod:`~seawatch.validate.stats`: conditional logistic regression, matched AUC with stratum
  bootstrap, the future-weather placebo and the plain-language verdict.
- :mod:`~seawatch.validate.settings`: the stated choices (window, distance) and their limits.
- :mod:`~seawatch.validate.report`: ``report.json``, ``report.html`` and PNG figures.

The method and its limits are in docs/validation.md.
"""
