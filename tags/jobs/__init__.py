"""Spark jobs over the catalogue: the tag build (`build`), model training (`train`)."""
