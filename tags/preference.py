"""Preferences: video, game and music lovers, content products (own network).

Content traffic comes from usage_daily (30 days); shares are of the 30-day data.
A "lover" needs both a large share and a meaningful absolute volume, so a line
that used 10 MB, all of it video, is not a video lover.
"""

from __future__ import annotations

from typing import Any

from cube.catalogue import TagContext, TagSet
from tags._expr import flag, ratio

preference = TagSet(category="preference", owner="user-centre/preference")

HEAVY_VIDEO_MB = 15 * 1024.0
# (minimum share of data, minimum MB in 30 days) per content type.
LOVER_RULES: dict[str, tuple[float, float]] = {
    "video": (0.5, 3 * 1024.0),
    "game": (0.2, 1024.0),
    "music": (0.15, 1024.0),
}
CONTENT_TYPES = ("video", "game", "music")


def _register_content(kind: str) -> None:
    """Three tags per content type: 30-day MB, share of data, lover flag."""
    share_min, mb_min = LOVER_RULES[kind]
    mb_tag, share_tag = f"{kind}_mb_30d", f"{kind}_share"

    @preference.tag(
        mb_tag,
        "double",
        f"{kind.capitalize()} traffic in the last 30 days, MB.",
        unit="MB",
        min=0,
        source="usage_daily",
        inputs=(f"usage_daily.{kind}_mb",),
        fill=0,
        networks=("own",),
    )
    def volume(ctx: TagContext) -> Any:
        return ctx.F.sum(ctx.col(f"usage_daily.{kind}_mb"))

    @preference.tag(
        share_tag,
        "double",
        f"Share of the 30-day data that is {kind} traffic (fraction 0-1); null without data use.",
        unit="fraction",
        min=0,
        max=1,
        depends_on=(mb_tag, "data_mb_30d"),
        networks=("own",),
    )
    def share(ctx: TagContext) -> Any:
        return ratio(ctx, ctx.col(mb_tag), ctx.col("data_mb_30d"))

    @preference.tag(
        f"{kind}_lover",
        "boolean",
        f"{kind.capitalize()} lover: {kind} is at least {share_min:.0%} of the 30-day data and "
        f"at least {mb_min:.0f} MB.",
        depends_on=(mb_tag, share_tag),
        networks=("own",),
    )
    def lover(ctx: TagContext) -> Any:
        return flag(ctx, (ctx.col(share_tag) >= share_min) & (ctx.col(mb_tag) >= mb_min))


for _kind in CONTENT_TYPES:
    _register_content(_kind)


@preference.tag(
    "heavy_video_user",
    "boolean",
    f"Streamed at least {HEAVY_VIDEO_MB / 1024:.0f} GB of video in the last 30 days.",
    depends_on=("video_mb_30d",),
    networks=("own",),
)
def heavy_video_user(ctx: TagContext) -> Any:
    return flag(ctx, ctx.col("video_mb_30d") >= HEAVY_VIDEO_MB)


@preference.tag(
    "holds_content_product",
    "boolean",
    "Holds at least one content product (video, music or game membership).",
    source="holdings",
    inputs=("products.category",),
    fill=False,
)
def holds_content_product(ctx: TagContext) -> Any:
    return ctx.F.bool_or(ctx.col("products.category") == "content")


@preference.tag(
    "content_lover",
    "boolean",
    "Video, game or music lover, or already holds a content product.",
    depends_on=("video_lover", "game_lover", "music_lover", "holds_content_product"),
    networks=("own",),
)
def content_lover(ctx: TagContext) -> Any:
    names = ("video_lover", "game_lover", "music_lover", "holds_content_product")
    expr = ctx.col(names[0])
    for name in names[1:]:
        expr = expr | ctx.col(name)
    return flag(ctx, expr)


@preference.tag(
    "top_content_type",
    "string",
    "Content type with the most 30-day traffic (video, game, music); none when all are 0.",
    allowed=(*CONTENT_TYPES, "none"),
    depends_on=tuple(f"{kind}_mb_30d" for kind in CONTENT_TYPES),
    networks=("own",),
)
def top_content_type(ctx: TagContext) -> Any:
    F = ctx.F
    # Structs compare field by field: the largest volume wins; a tie goes to the
    # alphabetically later kind.
    candidates = [
        F.struct(ctx.col(f"{kind}_mb_30d").alias("mb"), F.lit(kind).alias("kind"))
        for kind in CONTENT_TYPES
    ]
    best = F.greatest(*candidates)
    return F.when(best.getField("mb") > 0, best.getField("kind")).otherwise(F.lit("none"))
