"""The tag and model catalogue (definitions live in the top-level `tags` package)."""

from cube.catalogue.catalogue import Catalogue, UnknownTagError
from cube.catalogue.graph import DependencyGraph
from cube.catalogue.spec import ModelSpec, TagContext, TagSet, TagSpec

__all__ = [
    "Catalogue",
    "DependencyGraph",
    "ModelSpec",
    "TagContext",
    "TagSet",
    "TagSpec",
    "UnknownTagError",
]
