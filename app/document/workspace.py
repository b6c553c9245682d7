"""What the window has open, shared by its controllers.

app.catalogue's controller sets the catalogue, the garment session and the view on
screen; app.model's sets the predictor once loaded; everyone else only reads. Sharing
one plain object keeps the controllers from holding references to each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.document.garment_session import GarmentSession
from app.document.view_state import ViewState
from core.files.shoots import Catalogue


@dataclass
class Workspace:
    catalogue: Catalogue | None = None
    session: GarmentSession | None = None  # the garment being edited
    current_view: str | None = None  # the view on screen
    predictor: object | None = None  # a core Predictor (or a test's fake), None until loaded

    @property
    def state(self) -> ViewState | None:
        """The state of the view on screen, if any."""
        if self.session is None or self.current_view is None:
            return None
        return self.session.states.get(self.current_view)
