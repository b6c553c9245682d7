"""What is being edited, without Qt: the garment session (photos, sidecar, cached
probabilities), each view's editable state, and the lookup-table maths the canvas draws it with."""
