"""Build the bundled demo model and data in inst/extdata/.

Trains a small deepG-shaped CNN (``create_model_lstm_cnn`` layout, Keras 2 / tf_keras,
``Sequential`` whose first layer carries ``batch_input_shape``, a final
``Activation("softmax")`` layer) on planted-motif data and writes

- ``demo_model.h5``        the model as a legacy Keras 2 HDF5 checkpoint (< 2 MB)
- ``demo_sequences.fasta`` 8 held-out sequences: ``pos_1..pos_4`` carry the motif,
                            ``neg_1..neg_4`` do not
- ``demo_truth.csv``       where the motif sits in them (``seq_id, label, motif, start,
                            end, strand``; 1-based closed; label 1 = class "motif")
- ``demo_model.json``      metadata: maxlen, class names, seeds, accuracy, date, script

Data: 200 bp iid random DNA; half of the sequences carry the poster's high-entropy
motif ``GGTTCGACACGAGTATAGCTAGTATACTCCG`` at a random position. Classes (deepG folder
order): 0 = ``no_motif``, 1 = ``motif``. Everything is seeded, so a rerun rebuilds the
same files (up to the date in the JSON and float rounding across machines).

Usage (build with TensorFlow 2.15 / Keras 2.15, the oldest supported stack: an HDF5
file written by tf_keras >= 2.16 records an ``InputLayer`` option that Keras 2.15 cannot
read, while a 2.15 file loads in tf_keras 2.15-2.21 and in Keras 3)::

    .venv-tf215/bin/python inst/scripts/make_demo_model.py [--out inst/extdata]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from deepg_interpret.io.files import atomic_write  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))  # run from a checkout without installing

MAXLEN = 200
MOTIF = "high"
CLASS_NAMES = ("no_motif", "motif")
DATA_SEED = 20240601
MODEL_SEED = 7
N_TRAIN, N_VAL, N_TEST = 4000, 800, 1000
N_DEMO_PER_CLASS = 4
# Small enough to train in well under a minute on 2 CPU cores and to stay far below the
# 2 MB file limit; two convolution blocks see the whole 31 bp motif.
ARCHITECTURE = dict(
    kernel_size=(12, 8),
    filters=(16, 16),
    pool_size=(3, 3),
    layer_dense=(16, 2),
    learning_rate=1e-3,
    softmax_as_layer=True,
    backend="tf_keras",
)


def _limit_threads() -> None:
    """The build machine is shared: use at most 2 threads (must run before any TF op)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def _demo_subset(test, n_per_class: int):
    """The first `n_per_class` positives and negatives of the test set, renamed pos_i / neg_i."""
    labels = np.asarray(test.labels)
    pos = np.flatnonzero(labels == 1)[:n_per_class]
    neg = np.flatnonzero(labels == 0)[:n_per_class]
    rows = np.concatenate([pos, neg])
    new_ids = [f"pos_{i + 1}" for i in range(len(pos))] + [f"neg_{i + 1}" for i in range(len(neg))]
    rename = {test.seq_ids[r]: new for r, new in zip(rows, new_ids)}
    truth = test.truth[test.truth["seq_id"].isin(rename)].copy()
    truth["seq_id"] = truth["seq_id"].map(rename)
    order = {sid: i for i, sid in enumerate(new_ids)}
    truth = truth.sort_values("seq_id", key=lambda s: s.map(order), kind="stable")
    sequences = [test.sequences[r] for r in rows]
    return new_ids, sequences, labels[rows], truth.reset_index(drop=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "inst" / "extdata"), help="output folder")
    args = parser.parse_args(argv)
    out = Path(args.out)

    _limit_threads()
    from deepg_interpret.analysis.evaluate import classification_metrics
    from deepg_interpret.synthetic import SyntheticDataset, simulate_motifs, write_truth
    from deepg_interpret.synthetic.reference_models import (
        create_model_lstm_cnn,
        resolve_backend,
        train_model,
    )

    # Three independent sets from one seeded generator: train (with its own validation
    # split for early stopping) and a test set the model never sees.
    rng = np.random.default_rng(DATA_SEED)
    train = simulate_motifs(N_TRAIN, MAXLEN, motif=MOTIF, share=0.5, seed=rng)
    val = simulate_motifs(N_VAL, MAXLEN, motif=MOTIF, share=0.5, seed=rng)
    test = simulate_motifs(N_TEST, MAXLEN, motif=MOTIF, share=0.5, seed=rng)

    model = create_model_lstm_cnn(MAXLEN, seed=MODEL_SEED, **ARCHITECTURE)
    start = time.perf_counter()
    info = train_model(
        model,
        train.onehot(),
        train.labels,
        x_val=val.onehot(),
        y_val=val.labels,
        epochs=15,
        batch_size=64,
        patience=3,
        seed=MODEL_SEED,
    )
    seconds = time.perf_counter() - start
    prob = model.predict(test.onehot(), batch_size=256, verbose=0)
    test_metrics = classification_metrics(test.labels, prob)
    print(
        f"trained {info['epochs_run']} epochs (best {info['best_epoch']}) in {seconds:.1f} s; "
        f"validation accuracy {info['val_accuracy']:.4f}; held-out balanced accuracy "
        f"{test_metrics['balanced_accuracy']:.4f} on {test_metrics['n']} sequences"
    )
    if test_metrics["balanced_accuracy"] <= 0.95:
        print(
            "error: held-out balanced accuracy must exceed 0.95; nothing written", file=sys.stderr
        )
        return 1

    # ---- model: legacy Keras 2 HDF5, checked by loading it back
    model_path = out / "demo_model.h5"
    tf_keras = resolve_backend("tf_keras")[0]
    if tuple(int(v) for v in tf_keras.__version__.split(".")[:2]) > (2, 15):
        print(
            f"warning: building with tf_keras {tf_keras.__version__}; the HDF5 file will not "
            "load in Keras 2.15. Run this script with the TF 2.15 environment (.venv-tf215).",
            file=sys.stderr,
        )
    with warnings.catch_warnings():
        # HDF5 is the point here (deepG's legacy checkpoint format), not an accident.
        warnings.filterwarnings("ignore", message="You are saving your model as an HDF5 file")
        atomic_write(model_path, lambda p: model.save(p, save_format="h5", include_optimizer=False),
                     keep_suffix=True)
    reloaded = tf_keras.models.load_model(model_path, compile=False)
    ids, sequences, labels, truth = _demo_subset(test, N_DEMO_PER_CLASS)
    demo = SyntheticDataset(sequences, ids, labels, label_names=CLASS_NAMES, truth=truth)
    demo_x = demo.onehot()
    demo_prob = reloaded.predict(demo_x, verbose=0)
    if not np.allclose(demo_prob, model.predict(demo_x, verbose=0), atol=1e-6):
        print(
            "error: the saved HDF5 model predicts differently from the trained one", file=sys.stderr
        )
        return 1
    size = model_path.stat().st_size
    if size >= 2 * 1024 * 1024:
        print(f"error: {model_path} is {size} bytes; it must stay below 2 MB", file=sys.stderr)
        return 1

    # ---- demo sequences and their truth
    fasta = "".join(f">{sid}\n{seq}\n" for sid, seq in zip(ids, sequences))
    atomic_write(out / "demo_sequences.fasta", lambda p: p.write_text(fasta))
    write_truth(demo, out / "demo_truth.csv")

    import tensorflow as tf

    meta = {
        "description": "Demo CNN shaped like deepG's create_model_lstm_cnn, trained on 200 bp "
        "random DNA where class 'motif' carries GGTTCGACACGAGTATAGCTAGTATACTCCG.",
        "model_file": "demo_model.h5",
        "format": "Keras 2 (tf_keras) legacy HDF5, Sequential, final Activation('softmax') layer",
        "maxlen": MAXLEN,
        "vocabulary": ["A", "C", "G", "T"],
        "class_names": list(CLASS_NAMES),
        "target_class_index": {"python_0_based": 1, "r_1_based": 2, "name": "motif"},
        "motif": {"name": MOTIF, "sequence": train.truth["motif"].iloc[0]},
        "architecture": {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in ARCHITECTURE.items()
        },
        "n_params": int(model.count_params()),
        "file_bytes": int(size),
        "data_seed": DATA_SEED,
        "training_seed": MODEL_SEED,
        "n_train": N_TRAIN,
        "n_validation": N_VAL,
        "n_test": N_TEST,
        "epochs_run": info["epochs_run"],
        "best_epoch": info["best_epoch"],
        "val_accuracy": round(float(info["val_accuracy"]), 4),
        "test_accuracy": round(test_metrics["accuracy"], 4),
        "test_balanced_accuracy": round(test_metrics["balanced_accuracy"], 4),
        "test_auroc": round(test_metrics["auroc"], 4),
        "training_seconds": round(seconds, 1),
        "demo_sequences": {
            sid: {"label": CLASS_NAMES[int(lab)], "p_motif": round(float(p[1]), 4)}
            for sid, lab, p in zip(ids, labels, demo_prob)
        },
        "versions": {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__},
        "date": _dt.date.today().isoformat(),
        "script": "inst/scripts/make_demo_model.py",
    }
    atomic_write(out / "demo_model.json", lambda p: p.write_text(json.dumps(meta, indent=2) + "\n"))
    print(
        f"wrote {model_path} ({size / 1024:.0f} KiB), demo_sequences.fasta, demo_truth.csv, "
        f"demo_model.json to {out}"
    )
    for sid, p in zip(ids, demo_prob):
        print(f"  {sid}: P(motif) = {p[1]:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
