"""Prediction: the Predictor that turns a photo into a full-resolution probability map, the
guided filter behind edge-aware upsampling, the double pass, and batch cutouts of files."""
