"""Strategy Cube engine: what the CLI, the Prefect flows and the API share.

Nothing here imports pyspark at module level: the DSL, the catalogue and the
settings load without a JVM. Spark-backed modules import it inside functions.
"""

__version__ = "0.1.0"
