#!/usr/bin/env bash
# Spark 4 needs Java 17 or newer; say exactly how to get it when it is missing.
set -euo pipefail
how="install it with: apt-get update && apt-get install -y openjdk-17-jre-headless (Debian/Ubuntu), then re-run"
if ! command -v java >/dev/null 2>&1; then
  echo "error: java not found; Spark needs Java >= 17; $how" >&2
  exit 1
fi
raw=$(java -version 2>&1 | head -n 1)
major=$(sed -E 's/.*version "([0-9]+)(\.[0-9]+)*.*/\1/' <<<"$raw")
if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt 17 ]; then
  echo "error: found '$raw'; Spark needs Java >= 17; $how" >&2
  exit 1
fi
