"""Every model of dygrad.vision.models, an MLP, 2-layer bidirectional LSTM and GRU classifiers and
a TransformerEncoder classifier: traced in eval mode at batch 2, saved with jit.save, loaded in
ONE fresh process that never imports their classes, and run at the traced batch size and two
others (1 and 3): outputs bit for bit the eager model's, state_dict intact, eval()/train()
honoured.

The models whose parameters alone make files of hundreds of MB (VGG, AlexNet, the 100-layer
ResNets/ResNeXts, the wide ResNets: 15 of them, 5 GB together) are the same building blocks as
the smaller ones; they run with DYGRAD_TEST_ALL_MODELS=1 (about 4 minutes here).
"""
import hashlib
import json
import os
import subprocess
import sys

import numpy as np

import dygrad as torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BATCHES = (2, 1, 3)   # traced at the first; the others are new batch sizes (save re-traces at
                      # 1 and 5: 3 is none of the three)
# over 50M parameters (or 100 layers): in the long sweep only
_BIG = ("alexnet", "vgg", "wide_resnet", "resnet101", "resnet152", "resnext101")


class _Recurrent(torch.nn.Module):
    def __init__(self, cls):
        super().__init__()
        self.emb = torch.nn.Embedding(20, 8)
        self.rnn = cls(8, 6, num_layers=2, bidirectional=True, batch_first=True)
        self.head = torch.nn.Linear(12, 3)

    def forward(self, x):
        out, _ = self.rnn(self.emb(x))
        return self.head(out[:, -1])


class _Transformer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(50, 16)
        layer = torch.nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
        self.enc = torch.nn.TransformerEncoder(layer, 2)
        self.head = torch.nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.enc(self.emb(x)).mean(1))


def _models():
    """name -> (model maker, input shape after the batch axis, integer inputs below this or
    None)."""
    from dygrad.vision import models
    torch.manual_seed(0)
    nn = torch.nn
    out = {
        "mlp_gelu_dropout": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.GELU(),
                                                   nn.Dropout(0.5), nn.Linear(16, 4)),
                             (3, 4), None),
        "lstm_bidir_2": (lambda: _Recurrent(nn.LSTM), (5,), 20),
        "gru_bidir_2": (lambda: _Recurrent(nn.GRU), (5,), 20),
        "transformer_encoder": (_Transformer, (7,), 50),
    }
    everything = os.environ.get("DYGRAD_TEST_ALL_MODELS") == "1"
    for name in models.list_models():
        if not everything and name.startswith(_BIG):
            continue
        kwargs = {} if name in ("lenet5", "mlp") else {"num_classes": 10}
        # the smallest image each model takes: 28x28 MNIST, 63x63 for AlexNet's pooling, 32x32
        shape = (1, 28, 28) if name in ("lenet5", "mlp") else \
            (3, 63, 63) if name == "alexnet" else (3, 32, 32)
        out[name] = (lambda name=name, kwargs=kwargs: models.get_model(name, **kwargs), shape,
                     None)
    return out


def _inputs(shape, high, seed):
    g = np.random.default_rng(seed)
    return [g.integers(0, high, (b,) + shape) if high else
            g.standard_normal((b,) + shape).astype(np.float32) for b in BATCHES]


def _digest(sd):
    return {k: hashlib.sha256(np.ascontiguousarray(v.numpy()).tobytes()).hexdigest()
            for k, v in sd.items()}


_LOADER = """
import hashlib, json, sys
if sys.argv[3] == "no-scipy":  # as the parent runs: GELU's erf comes from SciPy when present
    sys.modules["scipy"] = None
import numpy as np
import dygrad
d = sys.argv[1]
for i, name in enumerate(json.loads(sys.argv[2])):
    m = dygrad.jit.load(f"{d}/{i}.pt")
    assert m.training is False, name
    with np.load(f"{d}/{i}.in.npz") as z:
        xs = {k: z[k] for k in z.files}
    for k, x in xs.items():
        np.save(f"{d}/{i}.out.{k}.npy", m(dygrad.from_numpy(x)).numpy())
    sd = {k: hashlib.sha256(np.ascontiguousarray(v.numpy()).tobytes()).hexdigest()
          for k, v in m.state_dict().items()}
    with open(f"{d}/{i}.sd.json", "w") as fh:
        json.dump(sd, fh)
    try:
        m.train()(dygrad.from_numpy(x))
        raise AssertionError(name + ": ran in training mode, which was not traced")
    except RuntimeError as e:
        assert "traced in eval mode only" in str(e), e
    m.eval()
bad = [k for k in sys.modules if k.startswith(("dygrad.vision", "test_save", "tests."))]
assert not bad, bad
"""


def test_every_model_round_trips_in_one_fresh_process(tmp_path):
    names, expected = [], {}
    for i, (name, (make, shape, high)) in enumerate(_models().items()):
        model = make().eval()
        xs = _inputs(shape, high, i)
        with torch.no_grad():
            traced = torch.jit.trace(model, torch.from_numpy(xs[0]))
            torch.jit.save(traced, str(tmp_path / f"{i}.pt"))
            outs = [model(torch.from_numpy(x)).numpy() for x in xs]
        np.savez(tmp_path / f"{i}.in.npz", **{f"b{k}": x for k, x in enumerate(xs)})
        expected[name] = (outs, _digest(model.state_dict()))
        names.append(name)
        del model, traced
    env = dict(os.environ, PYTHONPATH=ROOT)
    scipy = "no-scipy" if "scipy" in sys.modules and sys.modules["scipy"] is None else "-"
    r = subprocess.run([sys.executable, "-c", _LOADER, str(tmp_path), json.dumps(names), scipy],
                       cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    for i, name in enumerate(names):
        outs, digest = expected[name]
        for k, want in enumerate(outs):
            got = np.load(tmp_path / f"{i}.out.b{k}.npy")
            assert got.dtype == want.dtype and got.shape == want.shape, (name, BATCHES[k])
            assert got.tobytes() == want.tobytes(), (name, BATCHES[k])
        assert json.loads((tmp_path / f"{i}.sd.json").read_text()) == digest, name
