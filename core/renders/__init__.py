"""Synthetic studio renders: mannequin, garment, textures and studio props drawn from a seed
and composed into photos whose true cutout is known exactly (sample shoot, training pairs)."""
