"""The network: the seed's U-Net architectures, losses, the model card beside each .keras,
float32/bfloat16 precision, and the resizing and normalisation in front of the model."""
