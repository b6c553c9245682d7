"""core.files.estimate_cache: a view's estimate comes back only while nothing it was made
from has changed."""

from __future__ import annotations

import os

import numpy as np
import pytest

from core.files.estimate_cache import CachedEstimate, EstimateCache, triage_id
from core.files.sidecar import Sidecar

TRIAGE = triage_id({"features": ["log_band_per_area"], "operating_point": 0.5}, 0.5)


@pytest.fixture
def kept(tmp_path):
    photo = tmp_path / "g1_Front.png"
    photo.write_bytes(b"a photo")
    cache = EstimateCache(Sidecar(tmp_path))
    cache.save("g1_Front", cache.stamps("g1_Front", photo), "model-1", TRIAGE, CachedEstimate(0.8125, False))
    return cache, photo


def test_an_estimate_comes_back_as_it_was_kept(kept):
    cache, photo = kept
    assert cache.load("g1_Front", photo, "model-1", TRIAGE) == CachedEstimate(0.8125, False)


def test_another_model_or_triage_or_default_threshold_has_no_estimate(kept):
    cache, photo = kept
    assert cache.load("g1_Front", photo, "model-2", TRIAGE) is None
    assert cache.load("g1_Front", photo, "model-1", triage_id({"operating_point": 0.4}, 0.5)) is None
    assert triage_id({"features": ["log_band_per_area"], "operating_point": 0.5}, 0.45) != TRIAGE


def test_a_replaced_photo_a_saved_view_or_an_approval_makes_it_stale(kept):
    cache, photo = kept
    sidecar = cache.sidecar
    photo.write_bytes(b"another photo")
    assert cache.load("g1_Front", photo, "model-1", TRIAGE) is None
    cache.save("g1_Front", cache.stamps("g1_Front", photo), "model-1", TRIAGE, CachedEstimate(0.5, False))
    sidecar.save_view("g1_Front", 0.3, np.zeros((4, 4), np.uint8))  # the retoucher set the threshold
    assert cache.load("g1_Front", photo, "model-1", TRIAGE) is None
    cache.save("g1_Front", cache.stamps("g1_Front", photo), "model-1", TRIAGE, CachedEstimate(0.5, False))
    sidecar.record_approval("g1_Front", "fingerprint", "digest")
    assert cache.load("g1_Front", photo, "model-1", TRIAGE) is None
    os.remove(photo)
    assert cache.load("g1_Front", photo, "model-1", TRIAGE) is None


def test_stamps_taken_before_a_change_keep_the_estimate_stale(kept):
    cache, photo = kept
    stamps = cache.stamps("g1_Front", photo)  # taken, then the photo changes while estimating
    photo.write_bytes(b"re-shot meanwhile")
    cache.save("g1_Front", stamps, "model-1", TRIAGE, CachedEstimate(0.1, False))
    assert cache.load("g1_Front", photo, "model-1", TRIAGE) is None


@pytest.mark.parametrize("text", ["", "{", "[]", '{"key": "g1_Front"}', "null"])
def test_a_damaged_file_reads_as_no_estimate(kept, text):
    cache, photo = kept
    cache.path("g1_Front").write_text(text)
    assert cache.load("g1_Front", photo, "model-1", TRIAGE) is None


def test_a_view_file_of_another_key_is_not_taken(kept):
    cache, photo = kept
    os.replace(cache.path("g1_Front"), cache.path("g2_Front"))
    assert cache.load("g2_Front", photo, "model-1", TRIAGE) is None


def test_an_unreadable_photo_is_kept_with_its_reason_until_the_photo_changes(tmp_path):
    photo = tmp_path / "g1_Front.jpg"
    photo.write_bytes(b"a damaged photo")
    cache = EstimateCache(Sidecar(tmp_path))
    cache.save("g1_Front", cache.stamps("g1_Front", photo), "model-1", TRIAGE,
               CachedEstimate(None, problem="the JPEG file is corrupt"))
    assert cache.load("g1_Front", photo, "model-2", "another triage") == CachedEstimate(
        None, False, "the JPEG file is corrupt"), "whatever the model: the photo is the matter"
    photo.write_bytes(b"a photo copied again, whole")
    assert cache.load("g1_Front", photo, "model-1", TRIAGE) is None
    with pytest.raises(ValueError):
        cache.save("g1_Front", cache.stamps("g1_Front", photo), "model-1", TRIAGE, CachedEstimate(None))
