"""The models people train (issue 13): a char-level GPT step (hand-written attention and
`F.scaled_dot_product_attention`), ResNet-18 in torchvision's layout (1x28x28 and 3x32x32), a
2-layer LSTM word language model step and a TransformerEncoder classifier step.

The target is the ratio to PyTorch eager. Hand-written NumPy floors (bench/numpy_floor/) have
no target: their column shows how much of the time is NumPy's own arithmetic. Dropout layers
run in training mode when timed; the loss check (first steps against PyTorch) runs them in eval
mode, where both frameworks compute the same function (a floor's `losses` does the same).
"""
import numpy as np

from ..numpy_floor.lstm_lm import LstmLmFloor
from ._common import Runner, Workload, train_runner
from ._models import (build_gpt, build_lstm_lm, build_resnet18, build_transformer_classifier,
                      params_like)


def _params(build):
    """Weights made by NumPy from the parameter names and shapes of the dygrad model."""
    import dygrad
    dygrad.manual_seed(0)
    return params_like(build(dygrad), np.random.default_rng(0))


class _Checked(Runner):
    """A Runner whose check steps (`losses`) run with dropout off."""

    def __init__(self, step, params, model, fwd_bwd=None):
        super().__init__(step, params, fwd_bwd)
        self.model = model

    def losses(self, n):
        self.model.eval()
        try:
            return super().losses(n)
        finally:
            self.model.train()


class Gpt(Workload):
    VOCAB, BLOCK, EMBD, HEADS, LAYERS, BATCH = 65, 64, 128, 4, 4, 16
    target_torch = 1.0
    target_floor = None
    rtol = 2e-4
    requires = ("nn.Module", "nn.Linear", "nn.LayerNorm", "nn.GELU", "nn.Embedding",
                "nn.ModuleList", "nn.functional.softmax", "nn.functional.cross_entropy",
                "optim.AdamW", "tril", "arange")

    def __init__(self, sdpa=False):
        self.sdpa = sdpa
        self.name = "gpt_sdpa" if sdpa else "gpt"
        how = "F.scaled_dot_product_attention" if sdpa else "masked_fill + softmax attention"
        self.title = (f"char GPT step ({how}), C={self.EMBD}, {self.HEADS} heads, "
                      f"{self.LAYERS} layers, T={self.BLOCK}, batch {self.BATCH}, AdamW")
        if sdpa:
            self.requires = self.requires + ("nn.functional.scaled_dot_product_attention",)

    def _build(self, torch):
        return build_gpt(torch, self.VOCAB, self.BLOCK, self.EMBD, self.HEADS, self.LAYERS,
                         self.sdpa)

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        shape = (self.BATCH, self.BLOCK)
        return {"params": _params(self._build),
                "x": rng.integers(0, self.VOCAB, size=shape).astype(np.int64),
                "y": rng.integers(0, self.VOCAB, size=shape).astype(np.int64)}

    def build(self, torch, data):
        from ..frameworks import load_params
        model = self._build(torch)
        load_params(torch, model, data["params"])
        opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95),
                                weight_decay=0.1)
        x, y = torch.from_numpy(data["x"].copy()), torch.from_numpy(data["y"].copy())

        def fwd_bwd():
            opt.zero_grad(set_to_none=True)
            loss = model(x, y)
            loss.backward()
            return loss

        def step():
            loss = fwd_bwd()
            opt.step()
            return loss
        return Runner(step, dict(model.named_parameters()), fwd_bwd)

    def floor(self, data):
        from ..numpy_floor.gpt import GptFloor
        return GptFloor(data, n_head=self.HEADS)


class ResNet18(Workload):
    target_torch = 1.0
    target_floor = None
    # float32 BatchNorm differs between the frameworks by ~1e-6 (PyTorch accumulates its
    # statistics in double), enough to flip the ReLU of a value within 2e-6 of zero; after the
    # first (large) SGD step the second loss then differs by ~1e-3 relative
    rtol = 2e-3
    requires = ("nn.Conv2d", "nn.BatchNorm2d", "nn.MaxPool2d", "nn.AdaptiveAvgPool2d",
                "nn.ReLU", "nn.Linear", "flatten", "optim.SGD", "nn.functional.cross_entropy")
    BATCH = 16

    def __init__(self, channels, size):
        self.channels, self.size = channels, size
        self.name = f"resnet18_{channels}x{size}"
        self.title = (f"ResNet-18 (torchvision layout) SGD-momentum step, {channels}x{size}x{size},"
                      f" batch {self.BATCH}")

    def _build(self, torch):
        return build_resnet18(torch, self.channels)

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((self.BATCH, self.channels, self.size, self.size))
        return {"params": _params(self._build), "x": x.astype(np.float32),
                "y": rng.integers(0, 10, size=self.BATCH).astype(np.int64)}

    def build(self, torch, data):
        from ..frameworks import load_params
        model = self._build(torch)
        model.train()
        load_params(torch, model, data["params"])
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x, y = torch.from_numpy(data["x"].copy()), torch.from_numpy(data["y"].copy())
        return train_runner(torch, model, opt, x, y)

    def floor(self, data):
        from ..numpy_floor.resnet import ResNet18Floor
        return ResNet18Floor(data)


class LstmLm(Workload):
    """pytorch/examples' word_language_model: its small LSTM, one bptt window, gradient
    clipping at 0.25 and its plain SGD update (lr 20)."""
    name = "lstm_lm"
    NTOKEN, NINP, NLAYERS, BPTT, BATCH, DROPOUT = 10000, 200, 2, 35, 20, 0.2
    title = (f"2-layer LSTM word LM step ({NINP} units, {NTOKEN} words, tied decoder, dropout "
             f"{DROPOUT}), bptt {BPTT}, batch {BATCH}")
    target_torch = 1.0
    target_floor = None
    rtol = 2e-4
    requires = ("nn.LSTM", "nn.Embedding", "nn.Dropout", "nn.Linear",
                "nn.functional.log_softmax", "nn.functional.nll_loss",
                "nn.utils.clip_grad_norm_", "zeros")

    def _build(self, torch):
        return build_lstm_lm(torch, self.NTOKEN, self.NINP, self.NINP, self.NLAYERS,
                             self.DROPOUT)

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        data = rng.integers(0, self.NTOKEN, size=(self.BPTT + 1, self.BATCH)).astype(np.int64)
        return {"params": _params(self._build), "x": data[:-1], "y": data[1:].reshape(-1)}

    def build(self, torch, data):
        from ..frameworks import load_params
        model = self._build(torch)
        model.train()
        load_params(torch, model, data["params"])
        x, y = torch.from_numpy(data["x"].copy()), torch.from_numpy(data["y"].copy())
        F = torch.nn.functional

        def fwd_bwd():
            hidden = (torch.zeros(self.NLAYERS, self.BATCH, self.NINP),
                      torch.zeros(self.NLAYERS, self.BATCH, self.NINP))
            model.zero_grad()
            output, hidden = model(x, hidden)
            loss = F.nll_loss(output, y)
            loss.backward()
            return loss

        def step():
            loss = fwd_bwd()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-20.0)
            return loss
        return _Checked(step, dict(model.named_parameters()), model, fwd_bwd)

    def floor(self, data):
        return LstmLmFloor(data, self.NLAYERS, self.DROPOUT)


class TransformerCls(Workload):
    name = "transformer_cls"
    VOCAB, SEQ, DMODEL, HEADS, FF, LAYERS, BATCH = 1000, 64, 128, 4, 512, 2, 32
    title = (f"TransformerEncoder classifier step ({LAYERS} layers, d={DMODEL}, {HEADS} heads, "
             f"ff {FF}), seq {SEQ}, batch {BATCH}, Adam")
    target_torch = 1.0
    target_floor = None
    rtol = 2e-4
    requires = ("nn.TransformerEncoder", "nn.TransformerEncoderLayer", "nn.Embedding",
                "nn.Linear", "optim.Adam", "nn.functional.cross_entropy", "arange")

    def _build(self, torch):
        return build_transformer_classifier(torch, self.VOCAB, self.SEQ, self.DMODEL,
                                            self.HEADS, self.FF, self.LAYERS, 2, 0.1)

    def make_data(self, seed=0):
        rng = np.random.default_rng(seed)
        return {"params": _params(self._build),
                "x": rng.integers(0, self.VOCAB, size=(self.BATCH, self.SEQ)).astype(np.int64),
                "y": rng.integers(0, 2, size=self.BATCH).astype(np.int64)}

    def build(self, torch, data):
        from ..frameworks import load_params
        model = self._build(torch)
        model.train()
        load_params(torch, model, data["params"])
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        x, y = torch.from_numpy(data["x"].copy()), torch.from_numpy(data["y"].copy())
        r = train_runner(torch, model, opt, x, y)
        return _Checked(r.step, r.params, model, r.fwd_bwd)
