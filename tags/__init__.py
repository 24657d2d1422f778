"""The tag and model catalogue as code.

Each module defines one `TagSet`; `TAG_SETS` and `MODELS` are what
`cube.catalogue.Catalogue.load()` reads. No pyspark at module level: compute
functions receive `ctx.F` (pyspark.sql.functions) from the Spark build.
"""

from cube.catalogue import ModelSpec, TagSet

TAG_SETS: list[TagSet] = []
MODELS: list[ModelSpec] = []
