"""What is open and moving through it: opening shoots, catalogues and images, the garment
being edited and the view on screen, and each garment's state in the catalogue list."""
