"""torch.fx parity: traced GraphModules give the eager model's outputs (dygrad.vision models,
an MLP, a model holding a TransformerEncoderLayer), and the generated code is PyTorch's for the
same module (that part needs PyTorch)."""
import numpy as np
import pytest

import dygrad
import dygrad.fx as fx
import dygrad.nn as nn


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small", "squeezenet1_0"])
def test_vision_models_trace_to_eager_outputs(name):
    import dygrad.vision.models as models
    dygrad.manual_seed(0)
    m = getattr(models, name)(num_classes=10).eval()
    gm = fx.symbolic_trace(m)
    x = dygrad.randn(1, 3, 32, 32)
    with dygrad.no_grad():
        np.testing.assert_array_equal(gm(x).numpy(), m(x).numpy())


def test_mlp_and_transformer_layer_values_and_gradients():
    dygrad.manual_seed(0)
    for m, x in ((nn.Sequential(nn.Linear(6, 8), nn.GELU(), nn.Linear(8, 2)), dygrad.randn(4, 6)),
                 (nn.Sequential(nn.Linear(8, 16), nn.TransformerEncoderLayer(
                     16, 2, 32, dropout=0.0, batch_first=True)), dygrad.randn(2, 5, 8))):
        gm = fx.symbolic_trace(m)
        out, ref = gm(x), m(x)
        np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
        out.sum().backward()
        g1 = [p.grad.numpy().copy() for p in m.parameters()]
        m.zero_grad()
        ref.sum().backward()
        for a, p in zip(g1, m.parameters()):  # the GraphModule shares the model's parameters
            np.testing.assert_array_equal(a, p.grad.numpy())


def _pair():
    torch = pytest.importorskip("torch")

    def build(T):
        class M(T.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = T.nn.Linear(4, 3)
                self.p = T.nn.Parameter(T.ones(3))

            def forward(self, x, y=None):
                a = self.lin(x) + self.p
                b = T.nn.functional.relu(a, inplace=False).sum(dim=1, keepdim=True)
                c = T.cat([a, b], 1)
                d = c.view(c.size(0), -1)[:, 0:2]
                return T.add(d, 1, alpha=2) * 2, x.shape, {"k": -a.t()}
        return M()
    return torch, build(torch), build(dygrad)


def test_printed_code_is_pytorchs():
    torch, tm, dm = _pair()
    tcode = torch.fx.symbolic_trace(tm).code
    dcode = fx.symbolic_trace(dm).code
    assert dcode == tcode
    tg, dg = torch.fx.symbolic_trace(tm).graph, fx.symbolic_trace(dm).graph
    assert [(n.op, n.name) for n in dg.nodes] == [(n.op, n.name) for n in tg.nodes]
    assert str(dg) == str(tg)
