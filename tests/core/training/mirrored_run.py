"""Run by test_distributed.py in a fresh process: split the CPU into two logical devices
(possible only before TensorFlow initialises), then train the same tiny model on one
device with a batch of 4 and mirrored over both with 2 each; print both as JSON."""

import json
import sys
from pathlib import Path

from core.network.backend import tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from core.training.config import TrainConfig
from core.training.loop import train

data, out = Path(sys.argv[1]), Path(sys.argv[2])
base = {"data_dirs": [data], "architecture": "simple", "width": 0.25, "input_size": (48, 32), "epochs": 3,
        "val_fraction": 0.2, "seed": 3, "lr_scaling": "none"}
results = {}
for name, strategy, batch in (("one", "default", 4), ("mirrored", "mirrored", 2)):
    (out / name).mkdir()
    result = train(TrainConfig(out=out / name / "m.keras", strategy=strategy, batch_size=batch, **base))
    results[name] = {"history": result.history, "distribution": result.card.distribution,
                     "training_precision": result.card.training_precision}
print(json.dumps(results))
