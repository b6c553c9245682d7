"""What the window has open, shared by its controllers.

app.catalogue's controller sets the catalogue, the garment session and the view on
screen; app.model's sets the predictor once loaded; everyone else only reads. Sharing
one plain object keeps the controllers from holding references to each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.document.garment_session import GarmentSession
from app.document.view_state import ViewState
from core.common.errors import GarmentCutoutError
from core.files.shoot_lock import ShootLock
from core.files.shoots import Catalogue
from core.files.sidecar import Sidecar


@dataclass
class Workspace:
    catalogue: Catalogue | None = None
    session: GarmentSession | None = None  # the garment being edited
    current_view: str | None = None  # the view on screen
    predictor: object | None = None  # a core Predictor (or a test's fake), None until loaded
    # The shoot folders this window holds (core.files.shoot_lock), and why it may not save
    # into the others: another window has them open.
    locks: dict[Path, ShootLock] = field(default_factory=dict)
    refused: dict[Path, str] = field(default_factory=dict)

    def lock_shoots(self, catalogue: Catalogue) -> list[str]:
        """Hold every shoot folder of `catalogue` (releasing the previous ones); returns
        one message per folder another window holds (this window then saves nothing there)."""
        self.release_shoots()
        for folder in dict.fromkeys(g.folder for g in catalogue.garments):
            try:
                lock = ShootLock(Sidecar.for_shoot(folder).root)
            except GarmentCutoutError:
                continue  # no sidecar can live there: GarmentSession.open reports that
            refusal = lock.acquire()
            if refusal is None:
                self.locks[folder] = lock
            elif "another Garment Cutout window" in refusal:
                self.refused[folder] = (f"{folder}: {refusal}. Corrections made here are not saved; "
                                        "close the other window first")
        return list(self.refused.values())

    def release_shoots(self) -> None:
        for lock in self.locks.values():
            lock.release()
        self.locks.clear()
        self.refused.clear()

    @property
    def state(self) -> ViewState | None:
        """The state of the view on screen, if any."""
        if self.session is None or self.current_view is None:
            return None
        return self.session.states.get(self.current_view)
