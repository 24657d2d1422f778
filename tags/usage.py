"""Usage behaviour: 30-day traffic, activity, trends and silent users (own network).

Aggregates read usage_daily (the 30 days up to the snapshot); the build fills
them with 0 for own-network lines without any usage row, so a silent line shows
0 MB, not null. Trends compare the last 7 days with the 23 days before them.
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from tags._expr import band, flag, ratio, within_days

usage = TagSet(category="usage", owner="user-centre/usage")

WINDOW_DAYS = 30
RECENT_DAYS = 7
# A silent line: used on at most 2 of the last 7 days, or barely at all in 30 days.
SILENT_MAX_DAYS_7D = 2
SILENT_MAX_DATA_MB = 500.0
SILENT_MAX_VOICE_MIN = 30.0
# Data bands over 30 days, MB: light < 5 GB, medium < 40 GB, heavy above.
DATA_BAND_EDGES = [(1.0, "none"), (5120.0, "light"), (40960.0, "medium")]


def _sum(ctx: TagContext, ref: str) -> Any:
    return ctx.F.sum(ctx.col(ref))


def _trend(ctx: TagContext, ref: str) -> Any:
    """Average per day of the last 7 days over that of the 23 days before (null if 0 before)."""
    recent = within_days(ctx, ctx.col("usage_daily.usage_date"), RECENT_DAYS)
    value = ctx.col(ref)
    recent_sum = ctx.F.sum(ctx.F.when(recent, value).otherwise(0.0))
    earlier_sum = ctx.F.sum(ctx.F.when(recent, 0.0).otherwise(value))
    return ratio(ctx, recent_sum / RECENT_DAYS, earlier_sum / (WINDOW_DAYS - RECENT_DAYS))


@usage.tag(
    "data_mb_30d",
    "double",
    "Mobile data used in the last 30 days, MB.",
    unit="MB",
    min=0,
    source="usage_daily",
    inputs=("usage_daily.data_mb",),
    fill=0,
    networks=("own",),
)
def data_mb_30d(ctx: TagContext) -> Any:
    return _sum(ctx, "usage_daily.data_mb")


@usage.tag(
    "data_5g_mb_30d",
    "double",
    "Mobile data carried on 5G cells in the last 30 days, MB.",
    unit="MB",
    min=0,
    source="usage_daily",
    inputs=("usage_daily.data_5g_mb",),
    fill=0,
    networks=("own",),
)
def data_5g_mb_30d(ctx: TagContext) -> Any:
    return _sum(ctx, "usage_daily.data_5g_mb")


@usage.tag(
    "voice_min_30d",
    "double",
    "Voice minutes in the last 30 days, minutes.",
    unit="minutes",
    min=0,
    source="usage_daily",
    inputs=("usage_daily.voice_min",),
    fill=0,
    networks=("own",),
)
def voice_min_30d(ctx: TagContext) -> Any:
    return _sum(ctx, "usage_daily.voice_min")


@usage.tag(
    "sms_count_30d",
    "int",
    "SMS sent in the last 30 days, messages.",
    unit="messages",
    min=0,
    source="usage_daily",
    inputs=("usage_daily.sms_count",),
    fill=0,
    networks=("own",),
)
def sms_count_30d(ctx: TagContext) -> Any:
    return _sum(ctx, "usage_daily.sms_count")


def _used(ctx: TagContext) -> Any:
    """The day shows any data, voice or SMS use."""
    return (
        (ctx.col("usage_daily.data_mb") > 0)
        | (ctx.col("usage_daily.voice_min") > 0)
        | (ctx.col("usage_daily.sms_count") > 0)
    )


@usage.tag(
    "active_days_30d",
    "int",
    "Days of the last 30 with any data, voice or SMS use, days.",
    unit="days",
    min=0,
    max=WINDOW_DAYS,
    source="usage_daily",
    inputs=("usage_daily.data_mb", "usage_daily.voice_min", "usage_daily.sms_count"),
    fill=0,
    networks=("own",),
)
def active_days_30d(ctx: TagContext) -> Any:
    return ctx.F.count_if(_used(ctx))


@usage.tag(
    "active_days_7d",
    "int",
    "Days of the last 7 with any data, voice or SMS use, days.",
    unit="days",
    min=0,
    max=RECENT_DAYS,
    source="usage_daily",
    inputs=(
        "usage_daily.usage_date",
        "usage_daily.data_mb",
        "usage_daily.voice_min",
        "usage_daily.sms_count",
    ),
    fill=0,
    networks=("own",),
)
def active_days_7d(ctx: TagContext) -> Any:
    recent = within_days(ctx, ctx.col("usage_daily.usage_date"), RECENT_DAYS)
    return ctx.F.count_if(recent & _used(ctx))


@usage.tag(
    "data_trend_ratio",
    "double",
    "Average daily data of the last 7 days divided by that of the 23 days before "
    "(ratio; 1 = steady, below 0.5 = falling sharply); null without earlier data use.",
    unit="ratio",
    min=0,
    source="usage_daily",
    inputs=("usage_daily.usage_date", "usage_daily.data_mb"),
    networks=("own",),
)
def data_trend_ratio(ctx: TagContext) -> Any:
    return _trend(ctx, "usage_daily.data_mb")


@usage.tag(
    "voice_trend_ratio",
    "double",
    "Average daily voice minutes of the last 7 days divided by that of the 23 days "
    "before (ratio); null without earlier voice use.",
    unit="ratio",
    min=0,
    source="usage_daily",
    inputs=("usage_daily.usage_date", "usage_daily.voice_min"),
    networks=("own",),
)
def voice_trend_ratio(ctx: TagContext) -> Any:
    return _trend(ctx, "usage_daily.voice_min")


@usage.tag(
    "data_5g_share",
    "double",
    "Share of the 30-day data carried on 5G cells (fraction 0-1); null without data use.",
    unit="fraction",
    min=0,
    max=1,
    depends_on=("data_5g_mb_30d", "data_mb_30d"),
    networks=("own",),
)
def data_5g_share(ctx: TagContext) -> Any:
    return ratio(ctx, ctx.col("data_5g_mb_30d"), ctx.col("data_mb_30d"))


@usage.tag(
    "plan_data_utilisation",
    "double",
    "30-day data used divided by the plan's monthly data allowance (ratio; above 1 = "
    "over the allowance); null when the plan includes no data.",
    unit="ratio",
    min=0,
    inputs=("plans.data_gb",),
    depends_on=("data_mb_30d",),
    networks=("own",),
)
def plan_data_utilisation(ctx: TagContext) -> Any:
    return ratio(ctx, ctx.col("data_mb_30d") / 1024.0, ctx.col("plans.data_gb"))


@usage.tag(
    "data_usage_band",
    "string",
    "30-day data band: none (< 1 MB), light (< 5 GB), medium (< 40 GB), heavy (>= 40 GB).",
    allowed=("none", "light", "medium", "heavy"),
    depends_on=("data_mb_30d",),
    networks=("own",),
)
def data_usage_band(ctx: TagContext) -> Any:
    return band(ctx, ctx.col("data_mb_30d"), DATA_BAND_EDGES, "heavy")


@usage.tag(
    "silent_user",
    "boolean",
    f"Silent line (target of silent-user activation): used on at most {SILENT_MAX_DAYS_7D} of "
    f"the last 7 days, or under {SILENT_MAX_DATA_MB:.0f} MB of data and "
    f"{SILENT_MAX_VOICE_MIN:.0f} voice minutes in 30 days; lines younger than a month are not "
    "judged.",
    depends_on=("active_days_7d", "data_mb_30d", "voice_min_30d", "tenure_months"),
    networks=("own",),
)
def silent_user(ctx: TagContext) -> Any:
    quiet_week = ctx.col("active_days_7d") <= SILENT_MAX_DAYS_7D
    little_use = (ctx.col("data_mb_30d") < SILENT_MAX_DATA_MB) & (
        ctx.col("voice_min_30d") < SILENT_MAX_VOICE_MIN
    )
    # A line activated this month has no full window yet: absence is not silence.
    judged = ctx.col("tenure_months") >= 1
    return flag(ctx, judged & (quiet_week | little_use))
