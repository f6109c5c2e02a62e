"""Each vendor's published calibration, in its own definitions, as an observation (pure).

One module per vendor: the conversions to the methodology's definitions are recorded beside the
numbers (``docs/leaderboard-methodology.md``). Reading the packages is
:mod:`qlcore.corpus.adapters`'s job.
"""
