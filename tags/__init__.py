"""The tag and model catalogue as code.

Each module defines one `TagSet` (one category); `TAG_SETS` and `MODELS` are what
`cube.catalogue.Catalogue.load()` reads. No pyspark at module level: compute
functions receive `ctx.F` (pyspark.sql.functions) from the Spark build, so the
catalogue loads, lists and graphs without a JVM.
"""

from cube.catalogue import TagSet
from tags.basic import basic
from tags.contactability import contactability
from tags.family import family
from tags.handset import handset
from tags.lifecycle import lifecycle
from tags.models import MODELS
from tags.other_network import other_network
from tags.preference import preference
from tags.responsiveness import responsiveness
from tags.usage import usage
from tags.value import value

TAG_SETS: list[TagSet] = [
    basic,
    usage,
    value,
    lifecycle,
    preference,
    handset,
    family,
    contactability,
    responsiveness,
    other_network,
]

__all__ = ["MODELS", "TAG_SETS"]
