"""The click robot follows RITM's protocol and counts clicks honestly."""

from __future__ import annotations

import json

import numpy as np

from core.evaluation.click_robot import MAX_CLICKS, ViewRun, next_click, run_robot, run_view


def test_the_next_click_is_the_interior_of_the_largest_error():
    truth = np.zeros((60, 60), bool)
    truth[10:50, 10:50] = True
    mask = truth.copy()
    mask[20:40, 20:30] = False  # missed: 200 px
    mask[0:5, 0:5] = True  # wrongly added: 25 px
    y, x, positive = next_click(mask, truth)
    assert positive and 24 <= y <= 35 and 24 <= x <= 25  # 5 px from every side
    assert next_click(truth, truth) is None


def test_clicks_to_a_target():
    run = ViewRun("v", 0.90, dice_after=[0.95, 0.975, 0.992])
    assert run.clicks_to(0.97) == 2 and run.clicks_to(0.99) == 3
    assert ViewRun("w", 0.98).clicks_to(0.97) == 0
    assert ViewRun("x", 0.5, dice_after=[0.6] * MAX_CLICKS).clicks_to(0.97) == MAX_CLICKS


def test_the_brush_robot_fixes_a_square_hole_in_one_dab_per_region():
    truth = np.zeros((80, 80), bool)
    truth[10:70, 10:70] = True
    probability = np.where(truth, 255, 0).astype(np.uint8)
    probability[30:50, 30:50] = 0
    rgb = np.zeros((80, 80, 3), np.uint8)
    run = run_view("v", rgb, probability, truth, 0.5, "brush")
    assert run.start_dice < 0.97 and run.dice_after[-1] > run.start_dice
    assert run.clicks_to(0.97) <= 3


def test_the_summary_is_json_with_both_targets():
    truth = np.zeros((60, 60), bool)
    truth[10:50, 10:50] = True
    rgb = np.zeros((60, 60, 3), np.uint8)
    rgb[truth] = 200
    probability = np.where(truth, 250, 5).astype(np.uint8)
    probability[20:30, 20:30] = 5
    summary = run_robot([("a", rgb, probability, truth)], "smart", 0.5)
    json.dumps(summary)
    below = summary["views_starting_below_0.97"]
    assert below["views"] == 1 and below["clicks_to_0.97"]["median"] <= 2
    assert summary["seconds_per_click"]["median"] is not None
