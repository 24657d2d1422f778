"""The touchpoint HTTP API (FastAPI) over the work-order store; see docs/api.md."""
