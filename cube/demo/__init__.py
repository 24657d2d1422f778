"""The demo: the whole cube on a generated operator (see cube.demo.runner)."""
