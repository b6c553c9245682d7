"""Where bundled resources live (the default model, the sample shoot, icons)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RESOURCES = REPO_ROOT / "resources"
DEFAULT_MODEL = RESOURCES / "models" / "default.keras"
SAMPLE_SHOOT = RESOURCES / "sample_shoot"
ICONS = RESOURCES / "icons"
# The shared CCP photos sit beside the clone in CI and on developers' machines only.
SHARED_CCP = REPO_ROOT.parent / "shared" / "data" / "ccp-garments"
