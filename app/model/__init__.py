"""The mask model in the app: loading the predictor on a worker thread (TensorFlow never
at start-up) and predicting the open garment's views in the background."""
