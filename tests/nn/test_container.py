"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict: PyTorch's indexing,
mutation, naming and reprs; networks that grow and shrink between calls train correctly."""
from collections import OrderedDict

import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.testing import assert_close
from nn_helpers import copy_state, module_parity, torch_or_skip

rng = np.random.default_rng(2)


def both():
    torch = torch_or_skip()
    return (nn, dygrad), (torch.nn, torch)


def test_sequential_mutations_match_torch():
    reprs = []
    for mod, T in both():
        s = mod.Sequential(OrderedDict(a=mod.ReLU(), b=mod.Tanh(), c=mod.Sigmoid()))
        out = [repr(s[1:]), repr(s[-1]), len(s)]
        del s[1]
        out.append(repr(s))  # keys renumbered after a deletion
        s.append(mod.ReLU())
        s.insert(1, mod.ELU())
        s.insert(-1, mod.GELU())
        out.append(repr(s))
        out.append(repr(s.pop(0)))
        s.extend([mod.Tanh()])
        s[0] = mod.SiLU()
        del s[1:3]
        out.append(repr(s))
        out.append(repr(s + mod.Sequential(mod.ReLU())))
        out.append(repr(s * 2))
        s += mod.Sequential(mod.Softsign())
        out.append(repr(s))
        out.append([type(m).__name__ for m in s])
        with pytest.raises(IndexError, match="index 10 is out of range"):
            s[10]
        with pytest.raises(ValueError, match="add operator supports only objects of Sequential"):
            s + mod.ReLU()
        reprs.append(out)
    assert reprs[0] == reprs[1]


def test_module_list_and_dict_mutations_match_torch():
    results = []
    for mod, T in both():
        ml = mod.ModuleList([mod.ReLU(), mod.Tanh()])
        out = [repr(ml + [mod.ELU()])]
        del ml[0]
        ml.insert(0, mod.ELU())
        ml.append(mod.Linear(2, 2))
        ml.extend([mod.Linear(2, 2), mod.Linear(2, 2)])
        out.append(repr(ml))  # consecutive equal entries are grouped: "(2-4): 3 x Linear(...)"
        out.append(repr(ml.pop(1)))
        ml[0] = mod.Sigmoid()
        out.append(repr(ml[1:]))
        out.append(repr(ml[-1]))
        out.append(list(dict(ml.named_parameters())))
        md = mod.ModuleDict({"b": mod.ReLU(), "a": mod.Tanh()})
        md["c"] = mod.Linear(1, 1)
        md.update([("d", mod.ReLU())])
        out.append([list(md.keys()), "a" in md, len(md), repr(md.pop("b")), repr(md)])
        del md["a"]
        out.append([list(md), list(dict(md.named_parameters()))])
        results.append(out)
    assert results[0] == results[1]


def test_parameter_list_and_dict_match_torch():
    results = []
    for mod, T in both():
        pl = mod.ParameterList([mod.Parameter(T.ones(2, 3)), T.zeros(3)])
        pl.append(T.ones(1))
        pl.extend([T.ones(2)])
        out = [repr(pl), len(pl), type(pl[1]).__name__, pl[1].requires_grad,
               list(dict(pl.named_parameters())), list(pl.state_dict())]
        pd = mod.ParameterDict({"x": T.ones(2)})
        pd["y"] = mod.Parameter(T.zeros(2))
        pd.update({"z": T.ones(1)})
        out += [repr(pd), list(pd.keys()), "y" in pd, list(pd.state_dict()), repr(pd.pop("x"))[:22],
                list(pd.state_dict()), repr(mod.ParameterList()), repr(mod.ParameterDict()),
                repr(mod.ParameterDict({"a": T.ones(2, 3)}))]
        results.append(out)
    assert results[0] == results[1]


def test_sequential_parity_and_state_dict_keys():
    torch = torch_or_skip()
    d = nn.Sequential(nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 2))
    t = torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    assert list(d.state_dict()) == list(t.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    module_parity(d, t, rng.standard_normal((4, 5)).astype(np.float32))
    dn = nn.Sequential(OrderedDict(fc=nn.Linear(5, 3), act=nn.ReLU()))
    assert list(dn.state_dict()) == ["fc.weight", "fc.bias"]


def test_network_grows_and_shrinks_between_calls():
    torch = torch_or_skip()
    dygrad.manual_seed(0)
    torch.manual_seed(0)
    d, t = nn.Sequential(nn.Linear(4, 4), nn.Tanh()), torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh())
    x = rng.standard_normal((3, 4)).astype(np.float32)
    module_parity(d, t, x)
    # grow: add layers, then the gradient flows through all of them
    d.append(nn.Linear(4, 4))
    t.append(torch.nn.Linear(4, 4))
    d.insert(0, nn.Linear(4, 4))
    t.insert(0, torch.nn.Linear(4, 4))
    d.add_module("act2", nn.ReLU())
    t.add_module("act2", torch.nn.ReLU())
    for p in d.parameters():
        p.grad = None
    for p in t.parameters():
        p.grad = None
    module_parity(d, t, x)
    assert len(list(d.parameters())) == 6
    # shrink: removed layers no longer get gradients
    removed = d[1]
    del d[1]
    del t[1]
    for p in list(d.parameters()) + list(removed.parameters()):
        p.grad = None
    for p in t.parameters():
        p.grad = None
    module_parity(d, t, x)
    assert removed.weight.grad is None
    assert list(d.state_dict()) == list(t.state_dict())


def test_dynamic_modules_inside_forward():
    """The seed program's DynamicNet: modules created inside forward still get gradients."""
    class DynamicNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList()

        def forward(self, x, depth):
            while len(self.layers) < depth:
                self.layers.append(nn.Linear(x.shape[1], x.shape[1]))
            for layer in self.layers[:depth]:
                x = F.relu(layer(x))
            return x.sum()

    net = DynamicNet()
    x = dygrad.randn(2, 3)
    net(x, 2).backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    net(x, 4).backward()
    assert len(net.layers) == 4 and len(list(net.parameters())) == 8
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    net(x, 1).backward()
    assert net.layers[3].weight.grad is None and net.layers[0].weight.grad is not None


def test_module_dict_and_list_errors():
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        nn.ModuleList().extend(3)
    with pytest.raises(TypeError, match="should be Iterable"):
        nn.ModuleDict([nn.ReLU()])
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        nn.ParameterList()(1)


def test_sequential_copy_from_torch_state_dict():
    torch = torch_or_skip()
    t = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Sequential(torch.nn.Linear(3, 2)))
    d = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.Linear(3, 2)))
    copy_state(d, t)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    assert_close(d(dygrad.tensor(x)), t(torch.tensor(x)))


@pytest.mark.parametrize("bad", [3, "ab", ["ab"], [("a", 1, 2)], "relu"])
def test_dict_container_update_errors_match_torch(bad):
    # ModuleDict and ParameterDict share one update: PyTorch's error types, and its messages
    # (up to the type name) for the malformed-update errors
    for kind in ("ModuleDict", "ParameterDict"):
        seen = []
        for mod, T in both():
            d = getattr(mod, kind)()
            try:
                d.update([mod.ReLU()] if bad == "relu" else bad)
                seen.append(("ok", list(d.keys())))
            except (TypeError, ValueError) as e:
                msg = str(e) if "update" in str(e) else ""
                seen.append((type(e).__name__, msg.split("; is")[0]))
        assert seen[0] == seen[1], (kind, seen)


def test_dict_container_update_sources():
    # a mapping, a same-typed container and an iterable of pairs all update in order
    d = nn.ModuleDict({"a": nn.ReLU()})
    d.update(nn.ModuleDict({"b": nn.Tanh()}))
    d.update([("c", nn.ReLU())])
    assert list(d.keys()) == ["a", "b", "c"]
    p = nn.ParameterDict()
    p.update(OrderedDict(w=dygrad.ones(2)))
    p.update([("v", dygrad.zeros(1))])
    assert list(p.keys()) == ["w", "v"] and isinstance(p["w"], nn.Parameter)
