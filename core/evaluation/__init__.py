"""Evaluation: numpy metrics at native resolution, model evaluation and its report,
threshold calibration on validation photos, and the speed benchmark."""
