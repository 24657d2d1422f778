"""Operator data: the synthetic warehouse-extract generator and its hidden ground truth.

`cube.data.generator.generate` writes every table of `cube.contract` plus the truth the
contact outcomes were drawn from; `cube.data.truth` is the API simulators and evaluation
tests use to read and apply that truth. Nothing here imports pyspark.
"""
