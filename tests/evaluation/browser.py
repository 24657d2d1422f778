"""Headless Chromium for the report test: measure the rendered charts, take a screenshot,
and read the PNG back (stdlib zlib + numpy, no imaging library in the project).

`render` opens a copy of the page with a script appended that records, for every
`svg[data-chart]`, its box and, for every mark, its box and computed fill, as the
browser laid them out, and takes a screenshot of the same copy at the page's full size.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

WIDTH = 1200
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1")  # fmt: skip
MEASURE = """<script>
(() => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return [r.left + scrollX, r.top + scrollY, r.width, r.height]; };
  const charts = [...document.querySelectorAll('svg[data-chart]')].map((svg) => ({
    name: svg.dataset.chart,
    title: svg.querySelector(':scope > title')?.textContent ?? null,
    box: box(svg),
    marks: [...svg.querySelectorAll('.mark')].map((m) => ({
      box: box(m), value: Number(m.dataset.value), fill: getComputedStyle(m).fill })),
  }));
  const pre = document.createElement('pre');
  pre.id = 'measured'; pre.style.display = 'none';
  pre.textContent = JSON.stringify({charts,
    page: [document.documentElement.scrollWidth, document.documentElement.scrollHeight]});
  document.body.appendChild(pre);
})();
</script>"""


def chromium() -> str:
    """The Chromium binary; skips without one, except in CI where it must be installed."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("headless Chromium is required in CI: apt-get install -y chromium")
    pytest.skip("chromium is not installed (apt-get install -y chromium)")


def _run(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
    done = subprocess.run(command, capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done


def harness(report: Path, workdir: Path) -> Path:
    """A copy of the report with the measuring script before </body>."""
    page = report.read_text(encoding="utf-8")
    assert page.count("</body>") == 1
    copy = workdir / "measured.html"
    copy.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    return copy


def render(
    binary: str, page: Path, profile: Path, height: int = 4500
) -> tuple[dict[str, Any], Any]:
    """What the browser laid out (charts with boxes and marks, the page size) and a
    screenshot of the page down to its last chart as an RGB array, in one browser run when
    the page fits `height`."""
    shot = page.parent / "shot.png"
    size = f"--window-size={WIDTH},{height}"
    dom = _run(binary, profile, size, f"--screenshot={shot}", "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="measured"[^>]*>(.*?)</pre>', dom.stdout.decode(), re.DOTALL)
    assert found, "the measuring script did not run"
    measured = json.loads(html.unescape(found[1]))
    if measured["page"][1] > height:  # taller than the window: shoot again at full height
        _run(binary, profile, f"--window-size={WIDTH},{measured['page'][1]}",
             f"--screenshot={shot}", page.as_uri())  # fmt: skip
    bottom = max(c["box"][1] + c["box"][3] for c in measured["charts"])
    return measured, read_png(shot, rows=int(bottom) + 2)


def read_png(path: Path, rows: int | None = None) -> np.ndarray:
    """Decode an 8-bit RGB or RGBA PNG (all five scanline filters); only the first `rows`
    rows when given (the rest is not needed, and the pure-Python filters are slow)."""
    data, pos, chunks = path.read_bytes(), 8, []
    width = height = bpp = 0
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + size
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8)
    height = min(height, rows or height)
    raw = raw[: height * (width * bpp + 1)].reshape(height, width * bpp + 1)
    out = np.zeros((height, width * bpp), dtype=np.uint8)
    prev = np.zeros(width * bpp, dtype=np.uint8)
    for y in range(height):
        kind, line = int(raw[y, 0]), raw[y, 1:]
        if kind == 0:
            out[y] = line
        elif kind == 1:  # Sub: a running sum per channel
            pixels = line.reshape(width, bpp).astype(np.int64)
            out[y] = (np.cumsum(pixels, axis=0) % 256).astype(np.uint8).reshape(-1)
        elif kind == 2:  # Up
            out[y] = line + prev
        else:
            out[y] = _average_or_paeth(kind, line.tolist(), prev.tolist(), bpp)
        prev = out[y]
    return out.reshape(height, width, bpp)[:, :, :3]


def _average_or_paeth(kind: int, line: list[int], prev: list[int], bpp: int) -> np.ndarray:
    row = bytearray(len(line))
    for i, x in enumerate(line):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        if kind == 3:
            row[i] = (x + (a + b) // 2) & 255
            continue
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        row[i] = (x + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return np.frombuffer(bytes(row), dtype=np.uint8)


def rgb(css: str) -> tuple[int, int, int]:
    """'rgb(0, 114, 178)' -> (0, 114, 178)."""
    found = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, [\d.]+)?\)", css)
    assert found, css
    return int(found[1]), int(found[2]), int(found[3])


def painted(image: np.ndarray, box: list[float], colour: tuple[int, int, int]) -> float:
    """Share of the pixels inside `box` (page coordinates) painted in `colour` (+-12)."""
    x, y, w, h = (int(round(v)) for v in box)
    area = image[max(y, 0) : y + h, max(x, 0) : x + w].astype(np.int16)
    if area.size == 0:
        return 0.0
    close = (np.abs(area - np.array(colour, dtype=np.int16)) <= 12).all(axis=2)
    return float(close.mean())
