"""Daily usage of own-network lines over the 30 days ending on the snapshot date.

Each day is a noisy draw around the line's habits (accounts.Accounts): weekends carry more
video and fewer calls, some days are silent, a declining line drops after its change day,
a suspended line goes quiet after its suspension day, and nothing is recorded before
activation. Content traffic and 5G traffic are parts of the day's data, never more.
"""

from __future__ import annotations

import numpy as np

from cube.data.population import Population

USAGE_DAYS = 30
SILENT_DAY_SHARE = 0.02
NO_CALL_DAY_SHARE = 0.10
# 1970-01-01 was a Thursday: weekday = (day + 3) % 7 with Monday = 0.
_WEEKDAY_OFFSET = 3


def draw_usage(rng: np.random.Generator, pop: Population, as_of_day: int) -> dict[str, np.ndarray]:
    """Usage rows (sub position, day, measures) for every own-network line, by line then day.

    Computed in float32: the columns are float32 and this is the largest table.
    """
    acc = pop.accounts
    lines = np.flatnonzero(pop.own)
    suspended_from = rng.integers(0, USAGE_DAYS, lines.size)
    sub = np.repeat(lines, USAGE_DAYS)
    t = np.tile(np.arange(USAGE_DAYS, dtype=np.int32), lines.size)
    day = as_of_day - (USAGE_DAYS - 1) + t
    rows = day >= np.repeat(acc.activation_day[lines], USAGE_DAYS)
    quiet = np.repeat(acc.suspended[lines], USAGE_DAYS) & (
        t >= np.repeat(suspended_from, USAGE_DAYS)
    )
    sub, t, day, quiet = sub[rows], t[rows], day[rows], quiet[rows]
    m = sub.size

    weekend = (day + _WEEKDAY_OFFSET) % 7 >= 5
    drop = np.exp(-acc.decline).astype(np.float32)
    level = np.where(t >= acc.decline_day[sub], drop[sub], np.float32(1.0))
    level[quiet] = 0.0
    habit = (acc.data_gb * (1024.0 / USAGE_DAYS)).astype(np.float32)
    data = habit[sub] * level * np.where(weekend, np.float32(1.1), np.float32(0.97))
    data *= _lognormal(rng, -0.1, 0.45, m)
    data[rng.random(m, dtype=np.float32) < SILENT_DAY_SHARE] = 0.0

    video = acc.share_video.astype(np.float32)[sub] * np.where(weekend, np.float32(1.2), 1)
    video *= _lognormal(rng, 0.0, 0.25, m)
    game = acc.share_game.astype(np.float32)[sub] * _lognormal(rng, 0.0, 0.25, m)
    music = acc.share_music.astype(np.float32)[sub] * _lognormal(rng, 0.0, 0.25, m)
    rest = (1.0 - acc.share_video - acc.share_game - acc.share_music).astype(np.float32)[sub]
    rest *= _lognormal(rng, 0.0, 0.25, m)
    scale = data / (video + game + music + rest)
    share_5g = acc.share_5g.astype(np.float32)[sub] * _lognormal(rng, 0.0, 0.2, m)

    voice = acc.voice_daily.astype(np.float32)[sub] * level
    voice *= np.where(weekend, np.float32(0.85), np.float32(1.05)) * _lognormal(rng, -0.2, 0.6, m)
    voice[rng.random(m, dtype=np.float32) < NO_CALL_DAY_SHARE] = 0.0
    sms = rng.poisson(acc.sms_daily.astype(np.float32)[sub] * level)
    return {
        "sub": sub,
        "day": day,
        "data_mb": data,
        "data_5g_mb": np.minimum(data * share_5g, data),
        "voice_min": voice,
        "sms_count": sms.astype(np.int32),
        "video_mb": video * scale,
        "game_mb": game * scale,
        "music_mb": music * scale,
    }


def _lognormal(rng: np.random.Generator, mean: float, sigma: float, n: int) -> np.ndarray:
    """float32 lognormal draws (numpy's lognormal is float64 only, and slower)."""
    normal = rng.standard_normal(n, dtype=np.float32)
    normal *= np.float32(sigma)
    normal += np.float32(mean)
    return np.exp(normal, out=normal)
