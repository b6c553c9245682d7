"""The click robot: how many clicks a correction tool needs, by RITM's NoC protocol.

Each click goes to the interior point (largest distance to the region's border, the
photo's frame counting as border) of the largest error region of the current mask:
positive where garment is missing, negative where it is wrongly added; at most
MAX_CLICKS. Two tools:

* "brush": a round dab at that point, as large as fits inside the error region (what a
  retoucher does with the plain brush, one dab per click);
* "smart": core.masks.smart_refine.smart_click at that point.

Both write KEEP/REMOVE overrides over the model's mask, as the app does.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from core.evaluation.metrics import dice
from core.masks.compose import KEEP, NONE, REMOVE, compose_mask

MAX_CLICKS = 20
TARGETS = (0.97, 0.99)
TOOLS = ("smart", "brush")
# Where in the error region a click goes: RITM's interior point, or just inside its
# border, as a retoucher often clicks the part of a wrong region nearest the garment.
PLACEMENTS = ("interior", "edge")
EDGE_DEPTH = 3.0  # px inside the region's border, for "edge" clicks


@dataclass
class ViewRun:
    name: str
    start_dice: float
    dice_after: list[float] = field(default_factory=list)  # after each click
    seconds: list[float] = field(default_factory=list)  # per click, the tool's own time

    def clicks_to(self, target: float) -> int:
        """Clicks until Dice >= target (0 if it starts there); MAX_CLICKS when never."""
        if self.start_dice >= target:
            return 0
        for i, d in enumerate(self.dice_after, 1):
            if d >= target:
                return i
        return MAX_CLICKS


def next_click(mask: np.ndarray, truth: np.ndarray, placement: str = "interior") -> tuple[int, int, bool] | None:
    """(y, x, positive) of the robot's next click, or None when nothing is wrong.
    `placement` "edge": the point of the largest error region about EDGE_DEPTH inside its
    border that is nearest its interior point (a region thinner than that: the interior point)."""
    best = None
    for positive, error in ((True, truth & ~mask), (False, mask & ~truth)):
        if not error.any():
            continue
        count, labels, stats, _ = cv2.connectedComponentsWithStats(error.astype(np.uint8), connectivity=8)
        label = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        area = int(stats[label, cv2.CC_STAT_AREA])
        if best is None or area > best[0]:
            best = (area, positive, labels == label)
    if best is None:
        return None
    _, positive, region = best
    padded = np.pad(region, 1).astype(np.uint8)  # the frame is border too
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    if placement == "edge":
        ys, xs = np.nonzero(region & (dist >= EDGE_DEPTH - 0.5) & (dist <= EDGE_DEPTH + 0.5))
        if len(ys):
            nearest = int(np.argmin((ys - y) ** 2 + (xs - x) ** 2))
            y, x = ys[nearest], xs[nearest]
    return int(y), int(x), positive


def brush_click(override: np.ndarray, mask: np.ndarray, truth: np.ndarray, y: int, x: int, positive: bool) -> None:
    """The plain brush robot's click: the largest dab that fits inside the error region."""
    error = (truth & ~mask) if positive else (mask & ~truth)
    padded = np.pad(error, 1).astype(np.uint8)
    radius = max(1, int(cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1][y, x]))
    dab = np.zeros(mask.shape, np.uint8)
    cv2.circle(dab, (x, y), radius, 1, -1)
    override[dab > 0] = KEEP if positive else REMOVE


def smart_click_into(override: np.ndarray, rgb: np.ndarray, probability: np.ndarray, mask: np.ndarray,
                     y: int, x: int, positive: bool) -> None:
    from core.masks.smart_refine import smart_click

    edit = smart_click(rgb, probability, mask, y, x, positive)
    y0, x0, y1, x1 = edit.bbox
    override[y0:y1, x0:x1][edit.region] = KEEP if positive else REMOVE


def run_view(name: str, rgb: np.ndarray, probability: np.ndarray, truth: np.ndarray, threshold: float,
             tool: str, max_clicks: int = MAX_CLICKS, placement: str = "interior") -> ViewRun:
    """Click until Dice >= the highest target or `max_clicks`; Dice after every click."""
    override = np.zeros(truth.shape, np.uint8)
    mask = compose_mask(probability, threshold, override)
    run = ViewRun(name, dice(mask, truth))
    current = run.start_dice
    for _ in range(max_clicks):
        if current >= max(TARGETS):
            break
        click = next_click(mask, truth, placement)
        if click is None:
            break
        y, x, positive = click
        start = time.perf_counter()
        if tool == "smart":
            smart_click_into(override, rgb, probability, mask, y, x, positive)
        else:
            brush_click(override, mask, truth, y, x, positive)
        mask = compose_mask(probability, threshold, override)
        run.seconds.append(time.perf_counter() - start)
        current = dice(mask, truth)
        run.dice_after.append(current)
    return run


def summarise(runs: list[ViewRun], tool: str) -> dict:
    """Median/mean clicks to each target, over all views and over those starting below 0.97."""
    def stats(selected: list[ViewRun]) -> dict:
        out: dict = {"views": len(selected)}
        for target in TARGETS:
            clicks = [r.clicks_to(target) for r in selected]
            out[f"clicks_to_{target}"] = ({"median": statistics.median(clicks), "mean": round(statistics.fmean(clicks), 3),
                                           "never": sum(1 for r in selected if r.clicks_to(target) == MAX_CLICKS
                                                        and max([r.start_dice, *r.dice_after]) < target)}
                                          if clicks else None)
        return out

    seconds = [s for r in runs for s in r.seconds]
    return {
        "tool": tool,
        "max_clicks": MAX_CLICKS,
        "all_views": stats(runs),
        "views_starting_below_0.97": stats([r for r in runs if r.start_dice < 0.97]),
        "seconds_per_click": {"median": round(statistics.median(seconds), 4) if seconds else None,
                              "mean": round(statistics.fmean(seconds), 4) if seconds else None},
        "mean_start_dice": round(statistics.fmean(r.start_dice for r in runs), 4) if runs else None,
    }


def run_robot(items, tool: str, threshold: float, progress: Callable[[int, int], None] | None = None,
              placement: str = "interior") -> dict:
    """`items`: (name, rgb, probability, truth) tuples; the summary plus each view's run."""
    runs = []
    items = list(items)
    for i, (name, rgb, probability, truth) in enumerate(items):
        runs.append(run_view(name, rgb, probability, truth, threshold, tool, placement=placement))
        if progress is not None:
            progress(i + 1, len(items))
    summary = summarise(runs, tool)
    summary["click_at"] = placement
    summary["per_view"] = [{"name": r.name, "start_dice": round(r.start_dice, 4),
                            "clicks_to_0.97": r.clicks_to(0.97), "clicks_to_0.99": r.clicks_to(0.99)} for r in runs]
    return summary


__all__ = ["MAX_CLICKS", "NONE", "PLACEMENTS", "TOOLS", "ViewRun", "brush_click", "next_click", "run_robot", "run_view"]
