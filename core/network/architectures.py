"""The seed report's three U-Nets, for any input size divisible by their stride.

- simple: one encoder block, one bottleneck, one decoder block (the seed's first model).
- basic:  four single-convolution encoder blocks, bottleneck, four decoder blocks.
- final:  the "Carvana" U-Net (Heng CherKeng / petrosgk): five encoder blocks of two
          convolutions, a two-convolution bottleneck, five decoder blocks of three.

`width` multiplies every filter count, so `final` at width 0.5 is a CPU-friendly
variant. Every block is Conv2D -> BatchNorm -> ReLU, as in the seed.
"""

from __future__ import annotations

from core.network.backend import keras
from core.network.card import ARCHITECTURES

layers = keras.layers

# Filters per encoder level then the bottleneck, at width 1.0.
FILTERS: dict[str, tuple[int, ...]] = {
    "simple": (32, 128),
    "basic": (64, 128, 256, 1024, 2048),
    "final": (32, 64, 128, 256, 512, 1024),
}
# Each level halves the resolution: inputs must be divisible by 2 ** levels.
STRIDE: dict[str, int] = {name: 2 ** (len(f) - 1) for name, f in FILTERS.items()}
CONVS_PER_BLOCK: dict[str, tuple[int, int, int]] = {
    # (encoder, bottleneck, decoder) convolutions per block
    "simple": (1, 1, 1),
    "basic": (1, 1, 1),
    "final": (2, 2, 3),
}
assert tuple(FILTERS) == ARCHITECTURES  # a card names only architectures built here
OUTPUT_LAYER = "garment"  # the last, sigmoid layer's name


def conv_filters(architecture: str, width: float) -> dict[str, int]:
    """Every convolution `build_unet` makes, by layer name, and its filter count: what
    a saved model must hold for its card to describe it."""
    filters = [max(4, int(round(f * width))) for f in FILTERS[architecture]]
    enc, mid, dec = CONVS_PER_BLOCK[architecture]
    names = {f"down{level}_conv{i}": f for level, f in enumerate(filters[:-1]) for i in range(enc)}
    names.update({f"center_conv{i}": filters[-1] for i in range(mid)})
    names.update({f"up{level}_conv{i}": f for level, f in enumerate(filters[:-1]) for i in range(dec)})
    names[OUTPUT_LAYER] = 1  # a saved model, body head or not, gives the garment channel alone
    return names


def _conv_block(x, filters: int, convs: int, name: str, dtype):
    for i in range(convs):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv{i}", dtype=dtype)(x)
        x = layers.BatchNormalization(name=f"{name}_bn{i}", dtype=dtype)(x)
        x = layers.Activation("relu", name=f"{name}_relu{i}", dtype=dtype)(x)
    return x


def check_input_shape(architecture: str, input_shape: tuple[int, int, int]) -> None:
    """Raise ValueError unless (h, w, c) suits `architecture`."""
    if architecture not in FILTERS:
        raise ValueError(f"unknown architecture {architecture!r}; choose from {', '.join(ARCHITECTURES)}")
    h, w, c = input_shape
    stride = STRIDE[architecture]
    if h % stride or w % stride:
        raise ValueError(f"{architecture} U-Net needs height and width divisible by {stride}, got {h}x{w}")
    if c not in (1, 3):
        raise ValueError(f"input must have 1 (gray) or 3 (colour) channels, got {c}")


def build_unet(architecture: str = "final", input_shape: tuple[int, int, int] = (384, 256, 3),
               width: float = 1.0, name: str | None = None, dtype: str | None = None,
               outputs: int = 1) -> keras.Model:
    """Build a U-Net; returns a Keras model mapping (N, h, w, c) to (N, h, w, outputs) sigmoid.

    `dtype` is a Keras dtype policy for every layer but the last (None: the global
    policy); "mixed_bfloat16" computes in bfloat16 with float32 weights, and the
    probabilities still come out in float32. `outputs` 2 is a body-head training model
    (channel 0 garment, 1 body; `core.training.model`): the last layer, still named
    `garment`, then has two filters, and channel 0 is what a saved model keeps."""
    check_input_shape(architecture, input_shape)
    if outputs < 1:
        raise ValueError(f"a U-Net needs at least one output channel, got {outputs}")
    filters = [max(4, int(round(f * width))) for f in FILTERS[architecture]]  # as conv_filters
    enc_convs, mid_convs, dec_convs = CONVS_PER_BLOCK[architecture]

    inputs = keras.Input(shape=input_shape, name="image")

    # ---- encoder
    skips = []
    x = inputs
    for level, f in enumerate(filters[:-1]):
        x = _conv_block(x, f, enc_convs, name=f"down{level}", dtype=dtype)
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"down{level}_pool", dtype=dtype)(x)

    # ---- bottleneck
    x = _conv_block(x, filters[-1], mid_convs, name="center", dtype=dtype)

    # ---- decoder
    for level in reversed(range(len(skips))):
        x = layers.UpSampling2D(2, name=f"up{level}_upsample", dtype=dtype)(x)
        x = layers.Concatenate(name=f"up{level}_concat", dtype=dtype)([skips[level], x])
        x = _conv_block(x, filters[level], dec_convs, name=f"up{level}", dtype=dtype)

    # ---- classifier: per-pixel garment probability (then body, for a body head)
    probabilities = layers.Conv2D(outputs, 1, activation="sigmoid", dtype="float32", name=OUTPUT_LAYER)(x)
    return keras.Model(inputs, probabilities, name=name or f"unet_{architecture}_w{width:g}")
