"""Fitting and scoring the triage estimate (core.evaluation.triage): a numpy logistic
regression, the operating point, AUROC, Brier score and reliability bins.

Labels are 1 for a view that needs review (Dice below the target), 0 for a fine one.
Everything here is deterministic: no random starts, ties broken by order.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from core.evaluation.triage import DICE_TARGET, Triage

# Of the views passed as fine, at most this share may be below the Dice target.
MAX_MISSED_SHARE = 0.05


def auroc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Area under the ROC curve of `scores` (higher = more likely 1) for 0/1 `labels`:
    the chance a random 1 scores above a random 0, ties counting half. None when one
    class is missing (the area is undefined)."""
    s = np.asarray(scores, np.float64)
    y = np.asarray(labels).astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def brier(estimates: Sequence[float], labels: Sequence[int]) -> float:
    """Mean squared difference between the estimated probability and the 0/1 outcome."""
    p = np.asarray(estimates, np.float64)
    y = np.asarray(labels, np.float64)
    return float(np.mean((p - y) ** 2)) if len(p) else float("nan")


def reliability_bins(estimates: Sequence[float], labels: Sequence[int], bins: int = 5) -> list[dict[str, Any]]:
    """Equal-width bins of the estimate over 0..1: per non-empty bin, its range, the views
    in it, their mean estimate and the share that really needed review."""
    p = np.asarray(estimates, np.float64)
    y = np.asarray(labels, np.float64)
    index = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        inside = index == b
        if inside.any():
            rows.append({"from": round(b / bins, 3), "to": round((b + 1) / bins, 3), "views": int(inside.sum()),
                         "mean_estimate": round(float(p[inside].mean()), 4),
                         "share_needing_review": round(float(y[inside].mean()), 4)})
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 100) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method on (N, F) standardised `x` and
    0/1 `y` (the intercept is not penalised). Returns (weights (F,), intercept)."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    n, f = x.shape
    design = np.hstack([np.ones((n, 1)), x])
    beta = np.zeros(f + 1)
    penalty = np.full(f + 1, float(l2))
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -40.0, 40.0)))
        gradient = design.T @ (p - y) + penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(f + 1)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta[1:], float(beta[0])


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and scale (std, 1 where a column is constant) of (N, F) `x`."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale > 1e-12, scale, 1.0)


def _fit(x: np.ndarray, labels: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    mean, scale = standardise(x)
    weights, intercept = fit_logistic((x - mean) / scale, labels, l2)
    return mean, scale, weights, intercept


def leave_one_out(x: np.ndarray, labels: np.ndarray, l2: float) -> np.ndarray:
    """(N,) estimates of each view by a fit on all the other views: what the fit would say
    of views it has not seen, so the operating point is not chosen on its own flattery."""
    out = np.zeros(len(labels))
    for i in range(len(labels)):
        keep = np.arange(len(labels)) != i
        mean, scale, weights, intercept = _fit(x[keep], labels[keep], l2)
        z = intercept + ((x[i] - mean) / scale) @ weights
        out[i] = 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))
    return out


def fit_triage(x: np.ndarray, dice: Sequence[float], names: Sequence[str], l2: float = 1.0,
               dice_target: float = DICE_TARGET, max_missed: float = MAX_MISSED_SHARE,
               fitted_on: str = "") -> Triage:
    """Fit a Triage on (N, F) features `x` (columns `names`) of views whose true Dice is
    `dice`. The operating point is chosen (choose_operating_point) on leave-one-out
    estimates of the same views; `fit` records their AUROC, Brier score and figures."""
    x = np.asarray(x, np.float64)
    labels = (np.asarray(dice) < dice_target).astype(int)
    mean, scale, weights, intercept = _fit(x, labels, l2)
    held_out = leave_one_out(x, labels, l2)
    point = choose_operating_point(held_out, labels, max_missed)
    rule = "the most views passed with at most max_missed_share of them needing review (leave-one-out)"
    if point == 0.0:
        # No cut met the share on these views (on CCP the fine views are a minority and
        # the lowest estimates are mixed): pass a view only when its own estimated risk is
        # below max_missed, which keeps the passed share under it as far as the estimate
        # is calibrated.
        point = max_missed
        rule = "estimate below max_missed_share (no cut on the fitting views met it)"
    fit = {"views": len(labels), "needing_review": int(labels.sum()), "l2": l2,
           "leave_one_out_auroc": _round(auroc(held_out, labels)),
           "leave_one_out_brier": round(brier(held_out, labels), 4),
           "max_missed_share": max_missed, "operating_rule": rule, **operating_figures(held_out, labels, point)}
    return Triage(tuple(names), tuple(map(float, mean)), tuple(map(float, scale)), tuple(map(float, weights)),
                  intercept, point, dice_target, fitted_on, fit)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def choose_operating_point(estimates: Sequence[float], labels: Sequence[int],
                           max_missed: float = MAX_MISSED_SHARE) -> float:
    """The cut that passes the most views as fine (estimate below it) while at most
    `max_missed` of the passed views need review. A cut sits halfway between two
    neighbouring estimates; 0.0 (nothing passed) when no cut qualifies."""
    p = np.asarray(estimates, np.float64)
    y = np.asarray(labels).astype(int)
    order = np.argsort(p, kind="mergesort")
    p, y = p[order], y[order]
    best = 0.0
    missed = 0
    for k in range(1, len(p) + 1):  # pass the k lowest estimates
        missed += y[k - 1]
        if k < len(p) and p[k] == p[k - 1]:
            continue  # a cut cannot split equal estimates
        if missed <= max_missed * k:
            best = 1.0 if k == len(p) else float(0.5 * (p[k - 1] + p[k]))
    return best


def operating_figures(estimates: Sequence[float], labels: Sequence[int], point: float) -> dict[str, Any]:
    """At `point`: views passed, the share of the passed that need review (target <= 5 %)
    and the share of the fine views that are passed (target >= 40 %)."""
    p = np.asarray(estimates, np.float64)
    y = np.asarray(labels).astype(bool)
    passed = p < point
    fine = ~y
    return {"operating_point": round(float(point), 6), "passed": int(passed.sum()),
            "missed_share": round(float((passed & y).sum() / passed.sum()), 4) if passed.any() else 0.0,
            "fine_passed_share": round(float((passed & fine).sum() / fine.sum()), 4) if fine.any() else None}


def triage_report(estimates: Sequence[float], dice: Sequence[float], point: float | None,
                  baseline: Sequence[float] | None = None, dice_target: float = DICE_TARGET) -> dict[str, Any]:
    """What `evaluate` reports about an estimate against true Dice: AUROC for "Dice below
    target", Brier score, reliability bins, the operating point's figures and, given
    `baseline` scores, the baseline's AUROC on the same views."""
    labels = (np.asarray(dice) < dice_target).astype(int)
    out: dict[str, Any] = {"dice_target": dice_target, "views": len(labels), "needing_review": int(labels.sum()),
                           "auroc": _round(auroc(estimates, labels)), "brier": round(brier(estimates, labels), 4),
                           "reliability": reliability_bins(estimates, labels)}
    if baseline is not None:
        out["baseline_auroc"] = _round(auroc(baseline, labels))
    if point is not None:
        out.update(operating_figures(estimates, labels, point))
    return out
