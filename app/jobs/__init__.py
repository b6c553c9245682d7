"""Background jobs on worker threads (prediction, export of a garment, of a catalogue):
Qt-free task functions, the QThread worker, and jobs that report through app.feedback."""
