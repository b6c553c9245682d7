"""Training: the run's configuration, data loaded at model resolution with augmentation,
learning-rate schedules, and the training loop that writes a model and its card."""
