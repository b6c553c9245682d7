"""The issue-4 experiment grid, trained in parallel on a lent GPU machine.

That machine has JAX and PyTorch but no TensorFlow, so this runs Keras 3 on whichever
backend works there (and on TensorFlow elsewhere: `KERAS_BACKEND` decides) and feeds it
from a `keras.utils.PyDataset` instead of `core.data.make_dataset`'s tf.data pipeline. Everything else is the product's own code:
`core.models.build_unet`, `core.losses`, `core.augment`, `core.preprocessing`,
`core.data.load_arrays` (the same INTER_AREA resize), the same CCP split and studio
renders, and `core.metrics` for Dice and boundary F at the photo's native resolution.

One difference from `garment-cutout train`: the long candidate runs decay their rate on a
cosine over a time budget rather than a fixed number of epochs, so they end when the lease
allows. Training stays float32: under `mixed_bfloat16` the 384x256 U-Net's validation loss
came out NaN (Keras 3.15 on JAX, reproduced on a CPU), so bfloat16 was left alone.

    python scripts/gpu_experiments.py smoke                  # can this backend train at all?
    python scripts/gpu_experiments.py prepare --data CCP --split SPLIT --cache DIR
    python scripts/gpu_experiments.py train NAME --cache DIR --runs DIR --deadline UNIX_TIME
    python scripts/gpu_experiments.py schedule --cache DIR --runs DIR --deadline UNIX_TIME [--slots N]
    python scripts/gpu_experiments.py collect --runs DIR --out DIR [--weights]
    python scripts/gpu_experiments.py speed                  # CPU seconds per view of each shape

`scripts/gpu_experiments.sh` strings these together for one device call.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpu_experiment_grid import EXPERIMENTS, Experiment  # noqa: E402 - beside this script

RENDERS = 272            # studio renders mixed into training, as for the bundled model
STUDIO_TEST = 30         # studio-domain test renders (seeds 5,000,000 + i, as render_studio_test_set.py)
STUDIO_TEST_SIZE = (576, 864)  # (w, h): half the studio's 1152x1728, to keep the cache small




# ---------------------------------------------------------------------------
# prepare: load every array once, so each training process only reads .npy files
# ---------------------------------------------------------------------------


def _sizes_needed(only=None) -> set[tuple[tuple[int, int], str]]:
    return {(e.size, e.interpolation) for n, e in EXPERIMENTS.items() if not only or n in only}


def _load_ccp(pairs, size_hw, interpolation):
    import cv2

    from core.files.pairs import load_pair
    from core.training.data import load_arrays

    if interpolation == "area":
        return load_arrays(pairs, size_hw, workers=8)
    h, w = size_hw
    x = np.empty((len(pairs), h, w, 3), np.uint8)
    y = np.empty((len(pairs), h, w, 1), np.uint8)
    for i, pair in enumerate(pairs):
        rgb, mask = load_pair(pair)
        x[i] = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)
        y[i, ..., 0] = np.round(cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR) * 255)
    return x, y


def prepare(args) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from core.files.pairs import apply_split, discover_pairs, read_split_file
    from core.renders.composition import VIEWS, render_view
    from core.training.loop import _studio_arrays

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    spec = read_split_file(args.split)
    pairs = discover_pairs(args.data)
    train, val = apply_split(pairs, spec)
    test = [p for p in pairs if p.name in set(spec.held_out)]
    (cache / "split.json").write_text(json.dumps({"train": [p.name for p in train], "val": [p.name for p in val],
                                                   "test": [p.name for p in test], "data": str(args.data)}))
    t0 = time.time()
    with ProcessPoolExecutor(max_workers=4) as pool:
        renders = {size: pool.submit(_studio_arrays, RENDERS, size, 0) for size, _ in _sizes_needed(args.only)}
        for size, interpolation in sorted(_sizes_needed(args.only)):
            tag = f"{size[0]}x{size[1]}_{interpolation}"
            for part, subset in (("train", train), ("val", val)):
                x, y = _load_ccp(subset, size, interpolation)
                np.save(cache / f"{part}_x_{tag}.npy", x)
                np.save(cache / f"{part}_y_{tag}.npy", y)
        for size, future in renders.items():
            x, y = future.result()
            np.save(cache / f"renders_x_{size[0]}x{size[1]}.npy", x)
            np.save(cache / f"renders_y_{size[0]}x{size[1]}.npy", y)
    studio_x, studio_y = [], []
    for i in range(STUDIO_TEST):
        r = render_view(5_000_000 + i, VIEWS[i % len(VIEWS)], STUDIO_TEST_SIZE)
        studio_x.append(r.rgb[..., :3])
        studio_y.append(r.alpha > 127)
    np.save(cache / "studio_test_x.npy", np.stack(studio_x))
    np.save(cache / "studio_test_y.npy", np.stack(studio_y))
    print(f"prepared {len(train)} train, {len(val)} val, {len(test)} test photos, {RENDERS} renders per size "
          f"in {time.time() - t0:.0f} s", flush=True)
    return 0


# ---------------------------------------------------------------------------
# train: one experiment in this process
# ---------------------------------------------------------------------------


def _card_like(e: Experiment, mean, std):
    return argparse.Namespace(channels=e.channels, contrast="none", mean=mean, std=std)


def _make_sequence(x, y, card, e: Experiment, shuffle: bool, seed: int):
    import keras

    from core.network.preprocessing import to_model_input
    from core.training.augment import AugmentConfig, augment_pair

    augment = AugmentConfig(hsv=e.hsv, shift_scale_rotate=e.shift_scale_rotate, flip=e.flip) if shuffle else None

    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=6, use_multiprocessing=False, max_queue_size=24)
            self.order = np.arange(len(x))
            self.epoch = 0
            self.on_epoch_end()

        def __len__(self):
            return math.ceil(len(x) / e.batch_size)

        def on_epoch_end(self):
            if shuffle:
                self.epoch += 1
                self.order = np.random.default_rng([seed, self.epoch]).permutation(len(x))

        def __getitem__(self, i):
            idx = np.sort(self.order[i * e.batch_size:(i + 1) * e.batch_size])
            images, masks = x[idx], y[idx]
            if augment is not None and augment.enabled:
                rng = np.random.default_rng([seed, self.epoch, i])
                for k in range(len(idx)):
                    images[k], masks[k] = augment_pair(images[k], masks[k], augment, rng)
            return to_model_input(images, card).astype(np.float32), masks.astype(np.float32) / 255.0

    return Batches()


def _predict_native(model, photos, card, e: Experiment, batch: int = 16) -> list[np.ndarray]:
    """Probability maps (uint8) at each photo's own size, INTER_CUBIC upsampling."""
    import cv2

    from core.network.preprocessing import probability_to_uint8, resize_probability_to_photo, to_model_input

    h, w = e.size
    interp = cv2.INTER_LINEAR if e.interpolation == "linear" else cv2.INTER_AREA
    out = []
    for start in range(0, len(photos), batch):
        chunk = photos[start:start + batch]
        small = np.stack([cv2.resize(p, (w, h), interpolation=interp) for p in chunk])
        probs = np.asarray(model.predict_on_batch(to_model_input(small, card).astype(np.float32)))[..., 0]
        for p, photo in zip(probs, chunk):
            up = resize_probability_to_photo(p.astype(np.float32), photo.shape[:2])
            out.append(probability_to_uint8(up))
    return out


def _scores(probs, truths, threshold: float) -> dict:
    from core.evaluation.metrics import binarise, boundary_f_score, dice

    d, bf = [], []
    for p, t in zip(probs, truths):
        m = binarise(p, threshold)
        d.append(dice(m, t))
        bf.append(boundary_f_score(m, t, 2))
    return {"threshold": threshold, "mean_dice": float(np.mean(d)), "median_dice": float(np.median(d)),
            "mean_bf2": float(np.mean(bf)), "n": len(d)}


def _read_photos(data: str, names: list[str]):
    from core.files.pairs import discover_pairs, load_pair

    by_name = {p.name: p for p in discover_pairs(data)}
    photos, truths = [], []
    for n in names:
        rgb, mask = load_pair(by_name[n])
        photos.append(rgb)
        truths.append(mask)
    return photos, truths


def train_one(args) -> int:
    name = args.name
    e = EXPERIMENTS[name]
    runs = Path(args.runs)
    runs.mkdir(parents=True, exist_ok=True)
    status_path = runs / f"{name}.json"
    status = {"name": name, "config": dataclasses.asdict(e), "state": "starting", "epochs_done": 0,
              "history": [], "started": time.time()}

    def save_status():
        tmp = status_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(status, indent=1))
        os.replace(tmp, status_path)

    save_status()
    try:
        _train_and_evaluate(args, e, status, save_status, runs)
        status["state"] = "done"
    except BaseException as exc:  # a failed experiment must not stop the others: record why
        status["state"] = "failed"
        status["error"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        status["traceback"] = traceback.format_exc()[-3000:]
        print(f"[{name}] failed: {status['error']}", flush=True)
    status["finished"] = time.time()
    save_status()
    return 0


def _train_and_evaluate(args, e: Experiment, status, save_status, runs: Path) -> None:
    import keras

    from core.evaluation.metrics import SWEEP_THRESHOLDS, best_threshold, threshold_sweep
    from core.network.architectures import build_unet
    from core.network.losses import dice_coeff, make_bce_dice_loss
    from core.network.preprocessing import compute_normalisation
    from core.training.schedules import make_optimizer, plateau_then_decl_triangular_lr

    cache = Path(args.cache)
    tag = f"{e.size[0]}x{e.size[1]}_{e.interpolation}"
    x_train = np.concatenate([np.load(cache / f"train_x_{tag}.npy"), np.load(cache / f"renders_x_{e.size[0]}x{e.size[1]}.npy")])
    y_train = np.concatenate([np.load(cache / f"train_y_{tag}.npy"), np.load(cache / f"renders_y_{e.size[0]}x{e.size[1]}.npy")])
    x_val, y_val = np.load(cache / f"val_x_{tag}.npy"), np.load(cache / f"val_y_{tag}.npy")
    if args.limit:  # a quick check of the whole path on a CPU
        x_train, y_train, x_val, y_val = x_train[:args.limit], y_train[:args.limit], x_val[:8], y_val[:8]
    if e.normalise:
        mean, std = compute_normalisation(x_train, e.channels, "none")
    else:
        mean, std = [0.0] * e.channels, [1.0] * e.channels
    card = _card_like(e, mean, std)
    status.update(mean=mean, std=std, train_count=len(x_train), val_count=len(x_val), backend=keras.backend.backend())

    keras.utils.set_random_seed(0)
    model = build_unet(e.architecture, (*e.size, e.channels), width=e.width)
    model.compile(optimizer=make_optimizer(e.optimizer, e.lr), loss=make_bce_dice_loss(e.w_bce, e.w_dice),
                  metrics=[dice_coeff])
    train_seq = _make_sequence(x_train, y_train, card, e, shuffle=True, seed=0)
    val_seq = _make_sequence(x_val, y_val, card, e, shuffle=False, seed=0)
    # The model's weights alone (save_weights would add the optimizer's state, doubling the size).
    weights_path = runs / f"{status['name']}.weights.npz"
    deadline = float(args.deadline)
    train_start = time.time()
    budget = max(deadline - train_start, 1.0)

    class Control(keras.callbacks.Callback):
        best = math.inf

        # The rate changes at epoch starts only: under JAX, Keras syncs the optimizer's
        # variables with its traced state at epoch boundaries, not between batches.
        def on_epoch_begin(self, epoch, logs=None):
            if e.schedule == "cosine_time":
                t = min((time.time() - train_start) / budget, 1.0)
                self.model.optimizer.learning_rate = e.min_lr + (e.lr - e.min_lr) * 0.5 * (1 + math.cos(math.pi * t))
            elif e.schedule == "cyclic":
                self.model.optimizer.learning_rate = plateau_then_decl_triangular_lr(epoch)

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            logs["seconds"] = round(time.time() - train_start, 1)
            logs["lr"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
            status["history"].append(logs)
            status["epochs_done"] = epoch + 1
            status["state"] = "training"
            if math.isfinite(logs.get("val_loss", math.nan)) and logs["val_loss"] < self.best:
                self.best = logs["val_loss"]
                status["best_epoch"] = epoch + 1
                tmp = weights_path.with_suffix(".tmp.npz")
                np.savez(tmp, *[np.asarray(w) for w in self.model.get_weights()])
                os.replace(tmp, weights_path)
            save_status()
            print(f"[{status['name']}] epoch {epoch + 1} {logs['seconds']:.0f}s val_loss {logs.get('val_loss', 0):.4f} "
                  f"val_dice {logs.get('val_dice_coeff', 0):.4f}", flush=True)
            # Stop when the next epoch would not end in time (the mean epoch so far as the guess;
            # the first one's compile makes it a cautious one).
            per_epoch = logs["seconds"] / (epoch + 1)
            if time.time() + per_epoch > deadline:
                status["stopped_by_deadline"] = not e.time_budget
                self.model.stop_training = True

    model.fit(train_seq, validation_data=val_seq, epochs=min(e.epochs, args.max_epochs or e.epochs), callbacks=[Control()], verbose=0)
    status["train_seconds"] = round(time.time() - train_start, 1)
    if "best_epoch" not in status:
        raise RuntimeError("no epoch finished with a finite validation loss")

    # Evaluation at native resolution, like `garment-cutout evaluate`.
    status["state"] = "evaluating"
    save_status()
    best = build_unet(e.architecture, (*e.size, e.channels), width=e.width)
    with np.load(weights_path) as saved:
        best.set_weights([saved[f"arr_{i}"] for i in range(len(saved.files))])
    split = json.loads((cache / "split.json").read_text())
    val_photos, val_truths = _read_photos(split["data"], split["val"])
    val_probs = _predict_native(best, val_photos, card, e)
    sweep = threshold_sweep(val_probs, val_truths, SWEEP_THRESHOLDS)
    val_threshold = best_threshold(sweep)[0]
    status["val_native"] = _scores(val_probs, val_truths, 0.5)
    status["val_native_best"] = {"threshold": val_threshold, "mean_dice": sweep[val_threshold]}
    test_photos, test_truths = _read_photos(split["data"], split["test"][:args.limit or None])
    test_probs = _predict_native(best, test_photos, card, e)
    status["test_native_0.5"] = _scores(test_probs, test_truths, 0.5)
    status["test_native_val_threshold"] = _scores(test_probs, test_truths, val_threshold)
    studio_x, studio_y = np.load(cache / "studio_test_x.npy"), np.load(cache / "studio_test_y.npy")
    studio_probs = _predict_native(best, list(studio_x), card, e)
    status["studio_0.5"] = _scores(studio_probs, list(studio_y), 0.5)
    print(f"[{status['name']}] test Dice {status['test_native_0.5']['mean_dice']:.4f} "
          f"median {status['test_native_0.5']['median_dice']:.4f} BF {status['test_native_0.5']['mean_bf2']:.4f}",
          flush=True)


# ---------------------------------------------------------------------------
# schedule: run the grid in priority order, a few processes at a time
# ---------------------------------------------------------------------------


def schedule(args) -> int:
    deadline = float(args.deadline)
    queue = [n for n in EXPERIMENTS if not args.only or n in args.only]
    running: dict[str, subprocess.Popen] = {}
    log_dir = Path(args.runs) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    while queue or running:
        for name, proc in list(running.items()):
            if proc.poll() is not None:
                del running[name]
        while queue and len(running) < args.slots:
            name = queue.pop(0)
            e = EXPERIMENTS[name]
            # Training deadline: leave time for the native-resolution evaluation afterwards.
            train_deadline = deadline - args.eval_margin
            if not e.time_budget and time.time() + args.min_run_s > train_deadline:
                print(f"skipping {name}: too little time left", flush=True)
                continue
            cmd = [sys.executable, __file__, "train", name, "--cache", args.cache, "--runs", args.runs,
                   "--deadline", str(train_deadline),
                   "--limit", str(args.limit), "--max-epochs", str(args.max_epochs)]
            running[name] = subprocess.Popen(cmd, env=env, stdout=open(log_dir / f"{name}.log", "w"),
                                             stderr=subprocess.STDOUT)
            print(f"started {name} ({len(running)} running)", flush=True)
        if time.time() > deadline + 30:
            for name, proc in running.items():
                print(f"killing {name}: past the deadline", flush=True)
                proc.kill()
            break
        time.sleep(2)
    return 0


# ---------------------------------------------------------------------------
# collect: one results file, the best candidate's weights in pieces small enough to fetch
# ---------------------------------------------------------------------------


def collect(args) -> int:
    runs, out = Path(args.runs), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for path in sorted(runs.glob("*.json")):
        try:
            results[path.stem] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
    (out / "results.json").write_text(json.dumps(results, indent=1))
    if not args.weights:
        return 0
    # Pick the candidate by validation Dice at native resolution, never by the test set.
    # One float32 U-Net (35 MB) in 15 MiB pieces: the fetch limit is 16 MiB a file.
    done = {n: r for n, r in results.items() if r.get("state") == "done" and "val_native_best" in r
            and EXPERIMENTS.get(n, Experiment()).time_budget}
    ranked = sorted(done, key=lambda n: -done[n]["val_native_best"]["mean_dice"])
    sent = []
    for name in ranked[:1]:
        data = (runs / f"{name}.weights.npz").read_bytes()
        piece = 15 * 1024 * 1024
        for i in range(0, len(data), piece):
            (out / f"{name}.weights.npz.part{i // piece}").write_bytes(data[i:i + piece])
        sent.append(name)
    print("weights sent:", ", ".join(sent) or "none", flush=True)
    return 0


def smoke(args) -> int:
    """Exit 0 when this backend can train a tiny U-Net two steps; used to pick one."""
    import keras

    from core.network.architectures import build_unet
    from core.network.losses import make_bce_dice_loss

    model = build_unet("final", (64, 64, 3), width=0.25)
    model.compile(optimizer="rmsprop", loss=make_bce_dice_loss())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 64, 64, 3)).astype(np.float32)
    y = (rng.random((8, 64, 64, 1)) > 0.5).astype(np.float32)
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    loss = history.history["loss"][-1]
    print(f"smoke: backend {keras.backend.backend()}, loss {loss:.4f}", flush=True)
    return 0 if math.isfinite(loss) else 1


def speed(args) -> int:
    """CPU seconds per 1152x1728 view (PNG read to probability map) for each distinct
    architecture, width and input size of the grid, as the GPU runs were scored: INTER_CUBIC
    upsampling, no flip averaging. Random weights: the time does not depend on them.
    Run on the 2-core machine with the product's backend (TensorFlow) and nothing else busy."""
    import dataclasses as dc

    from core.evaluation.bench import _sample_view, bench_prediction
    from core.network.architectures import build_unet
    from core.network.card import ModelCard
    from core.prediction.predictor import Predictor

    rgb = _sample_view(1152, 1728)
    shapes = sorted({(e.architecture, e.width, e.size, e.channels) for e in EXPERIMENTS.values()})
    results = {}
    for architecture, width, size, channels in shapes:
        model = build_unet(architecture, (*size, channels), width=width)
        card = ModelCard(name="speed", architecture=architecture, width=width, input_height=size[0],
                         input_width=size[1], channels=channels, mean=[0.5] * channels, std=[0.25] * channels,
                         contrast="none", threshold=0.5, trained_on="", licence="")
        card = dc.replace(card, upsampling="cubic", tta_flip=False)
        figures, _ = bench_prediction(Predictor(model, card), rgb, args.repeats)
        key = f"{architecture} w{width:g} {size[0]}x{size[1]} c{channels}"
        results[key] = figures["seconds_per_view_median"]
        print(f"{key}: {results[key]:.3f} s", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("smoke")
    p = sub.add_parser("speed")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out")
    p = sub.add_parser("prepare")
    p.add_argument("--data", required=True)
    p.add_argument("--split", required=True)
    p.add_argument("--cache", required=True)
    p.add_argument("--only", nargs="*", help="prepare only what these experiments need")
    p = sub.add_parser("train")
    p.add_argument("name", choices=list(EXPERIMENTS))
    p.add_argument("--cache", required=True)
    p.add_argument("--runs", required=True)
    p.add_argument("--deadline", type=float, required=True)
    p.add_argument("--limit", type=int, default=0, help="train on this many images (0: all); for a CPU check")
    p.add_argument("--max-epochs", type=int, default=0)
    p = sub.add_parser("schedule")
    p.add_argument("--cache", required=True)
    p.add_argument("--runs", required=True)
    p.add_argument("--deadline", type=float, required=True, help="unix time by which everything must end")
    p.add_argument("--slots", type=int, default=6)
    p.add_argument("--eval-margin", type=float, default=45.0)
    p.add_argument("--min-run-s", type=float, default=90.0)
    p.add_argument("--only", nargs="*")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--max-epochs", type=int, default=0)
    p = sub.add_parser("collect")
    p.add_argument("--runs", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--weights", action="store_true")
    args = parser.parse_args(argv)
    return {"smoke": smoke, "speed": speed, "prepare": prepare, "train": train_one, "schedule": schedule, "collect": collect}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
