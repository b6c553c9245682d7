"""Smart clicks follow the photo: a click adds or removes the region it lands in, and
nothing far from it."""

from __future__ import annotations

import numpy as np

from core.masks.smart_refine import smart_click


def _scene():
    """A grey backdrop, a blue garment (a rectangle) and a red patch of it the model missed."""
    rng = np.random.default_rng(0)
    rgb = np.full((240, 200, 3), 200, np.uint8)
    truth = np.zeros((240, 200), bool)
    truth[40:200, 50:150] = True
    rgb[truth] = (40, 60, 160)
    rgb[120:170, 60:110] = (170, 40, 40)  # a print the model took for background
    rgb = np.clip(rgb.astype(int) + rng.integers(-6, 7, rgb.shape), 0, 255).astype(np.uint8)
    mask = truth.copy()
    mask[120:170, 60:110] = False
    probability = np.where(mask, 240, 10).astype(np.uint8)
    return rgb, probability, mask, truth


def test_a_positive_click_adds_the_missed_region_and_nothing_else():
    rgb, probability, mask, truth = _scene()
    edit = smart_click(rgb, probability, mask, 145, 85, positive=True)
    added = np.zeros_like(mask)
    y0, x0, y1, x1 = edit.bbox
    added[y0:y1, x0:x1] = edit.region
    missed = truth & ~mask
    assert edit.positive and (added & missed).sum() > 0.9 * missed.sum()
    assert (added & ~truth).sum() < 0.02 * missed.sum()  # the backdrop is left alone


def test_a_negative_click_removes_a_wrongly_added_blob():
    rgb, probability, mask, truth = _scene()
    blob = np.zeros_like(mask)
    blob[10:38, 90:120] = True  # a "neck" blob above the garment, on the backdrop
    edit = smart_click(rgb, probability, mask | blob, 24, 105, positive=False)
    removed = np.zeros_like(mask)
    y0, x0, y1, x1 = edit.bbox
    removed[y0:y1, x0:x1] = edit.region
    assert (removed & blob).sum() > 0.9 * blob.sum()
    assert not (removed & truth).any()


def test_a_click_changes_only_what_is_connected_to_it():
    import cv2

    rgb, probability, mask, truth = _scene()
    edit = smart_click(rgb, probability, mask, 5, 5, positive=True)  # on the empty backdrop
    y0, x0, y1, x1 = edit.bbox
    added = np.zeros_like(mask)
    added[y0:y1, x0:x1] = edit.region
    count, _ = cv2.connectedComponents(added.astype(np.uint8), connectivity=8)
    assert added[5, 5] and count == 2  # one region, the click's
    assert not (added & truth & ~mask).any()  # the garment's missed print, far away, stays as it was


def test_a_click_on_a_thin_strap_far_from_the_mask_adds_the_strap_not_a_disc_of_backdrop():
    # Found driving the app: a keep click on a bare mannequin neck, far from the garment's
    # mask, fixed a disc of 0.9 x that distance as garment, backdrop and all.
    rng = np.random.default_rng(1)
    rgb = np.full((300, 300, 3), 200, np.uint8)
    rgb[40:260, 20:120] = (60, 60, 150)  # the garment the mask has
    strap = np.zeros((300, 300), bool)
    strap[40:260, 200:212] = True  # a strap 12 px wide, 80 px from the mask, missed
    rgb[strap] = (150, 40, 40)
    rgb = np.clip(rgb.astype(int) + rng.integers(-6, 7, rgb.shape), 0, 255).astype(np.uint8)
    mask = np.zeros((300, 300), bool)
    mask[40:260, 20:120] = True
    edit = smart_click(rgb, np.where(mask, 240, 10).astype(np.uint8), mask, 150, 206, positive=True)
    added = np.zeros_like(mask)
    y0, x0, y1, x1 = edit.bbox
    added[y0:y1, x0:x1] = edit.region
    assert (added & strap).sum() > 0.5 * strap.sum()
    assert (added & ~strap).sum() < 0.05 * strap.sum(), "backdrop added around the strap"


def test_a_keep_click_on_a_pale_neck_above_the_garment_stays_mostly_on_the_neck():
    # The helper's case in the app: a bare neck close to the backdrop's colour, 90-140 px
    # above the garment's mask. The first tool added 2.5 times the neck's area of backdrop.
    import cv2

    rng = np.random.default_rng(0)
    rgb = np.full((400, 300, 3), (205, 205, 208), np.uint8)
    neck = np.zeros((400, 300), bool)
    neck[20:200, 120:180] = True
    rgb[neck] = (222, 190, 165)
    garment = np.zeros((400, 300), bool)
    garment[200:390, 40:260] = True
    rgb[garment] = (40, 50, 90)
    rgb = cv2.GaussianBlur(rgb, (0, 0), 1.0)
    rgb = np.clip(rgb.astype(int) + rng.integers(-5, 6, rgb.shape), 0, 255).astype(np.uint8)
    probability = np.where(garment, 240, 15).astype(np.uint8)
    for y in (60, 110):
        edit = smart_click(rgb, probability, garment, y, 150, positive=True)
        added = np.zeros_like(garment)
        y0, x0, y1, x1 = edit.bbox
        added[y0:y1, x0:x1] = edit.region
        assert (added & neck).sum() > 0.9 * neck.sum()
        assert (added & ~neck).sum() < 0.3 * neck.sum(), f"click at y {y}: backdrop added around the neck"
