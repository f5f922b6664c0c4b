"""The pipeline of one run (:mod:`~experiments.run.runner`) and what only it needs: plan checks, trainer
settings, resume, cross-validation, signals and the console summary."""
