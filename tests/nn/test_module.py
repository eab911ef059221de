"""Module: registration, iteration, state_dict/load_state_dict (keys, metadata, error text),
hooks, modes, dtype conversion, copying and reprs, checked against PyTorch."""
import copy
import pickle

import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
from dygrad.testing import assert_close
from nn_helpers import copy_state, module_parity, torch_or_skip


def build(tnn, T):
    """The same model class written against torch.nn or dygrad.nn."""
    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.fc = tnn.Linear(3, 2)
            self.register_buffer("b", T.zeros(2))
            self.register_buffer("c", T.ones(2), persistent=False)
            self.none = None
            self.register_parameter("pn", None)
            self.register_buffer("bn", None)
            self.seq = tnn.Sequential(tnn.Linear(2, 2), tnn.ReLU(),
                                      tnn.ModuleList([tnn.Linear(2, 2), tnn.Linear(2, 2)]))
            self.md = tnn.ModuleDict({"a": tnn.Tanh()})
            self.shared = self.fc

        def forward(self, x):
            h = self.seq[:2](self.fc(x) + self.b)
            for m in self.seq[2]:
                h = m(h)
            return self.md["a"](h)
    return Net()


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc2(dygrad.relu(self.fc1(x)))


def pair():
    torch = torch_or_skip()
    return build(nn, dygrad), build(torch.nn, torch)


def test_names_order_and_reprs_match_torch():
    d, t = pair()
    assert repr(d) == repr(t)
    for it in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(d, it)()] == [n for n, _ in getattr(t, it)()], it
    assert [n for n, _ in d.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in t.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in d.named_parameters(prefix="m", recurse=False)] == []
    assert [n for n, _ in d.fc.named_parameters(prefix="m")] == ["m.weight", "m.bias"]
    assert len(list(d.parameters())) == len(list(t.parameters())) == 8
    assert len(list(d.modules())) == len(list(t.modules()))
    assert len(list(d.children())) == len(list(t.children()))


def test_state_dict_keys_metadata_and_values():
    d, t = pair()
    sd, tsd = d.state_dict(), t.state_dict()
    assert list(sd) == list(tsd)
    assert list(sd._metadata.items()) == list(tsd._metadata.items())
    assert "c" not in sd  # non-persistent buffer
    assert not sd["fc.weight"].requires_grad and sd["fc.weight"].grad_fn is None
    assert d.state_dict(keep_vars=True)["fc.weight"] is d.fc.weight
    assert list(d.state_dict(prefix="p.")) == ["p." + k for k in sd]
    copy_state(d, t)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    module_parity(d, t, x)


def test_load_state_dict_keeps_parameter_objects():
    d = Net()
    w = d.fc1.weight
    src = Net()
    res = d.load_state_dict(src.state_dict())
    assert repr(res) == "<All keys matched successfully>"
    assert d.fc1.weight is w
    assert_close(d.fc1.weight, src.fc1.weight)
    assert d.fc1.weight._version > 0


def test_load_state_dict_error_text_matches_torch():
    torch = torch_or_skip()
    d, t = pair()
    bad = {"fc.weight": np.zeros((3, 3), np.float32), "x.y": np.zeros(1, np.float32)}
    with pytest.raises(RuntimeError) as te:
        t.load_state_dict({k: torch.tensor(v) for k, v in bad.items()})
    with pytest.raises(RuntimeError) as de:
        d.load_state_dict({k: dygrad.tensor(v) for k, v in bad.items()})
    assert str(de.value) == str(te.value)
    assert str(de.value).startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s)")
    tr = t.load_state_dict({"fc.weight": torch.zeros(2, 3), "x.y": torch.zeros(1)}, strict=False)
    dr = d.load_state_dict({"fc.weight": dygrad.zeros(2, 3), "x.y": dygrad.zeros(1)}, strict=False)
    assert dr.missing_keys == tr.missing_keys and dr.unexpected_keys == tr.unexpected_keys
    assert repr(dr) == repr(tr)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        d.load_state_dict([1, 2])


def test_load_state_dict_assign_and_dtype_cast():
    d = nn.Linear(3, 2)
    new_w = dygrad.ones(2, 3)
    d.load_state_dict({"weight": new_w, "bias": dygrad.zeros(2)}, assign=True)
    assert isinstance(d.weight, nn.Parameter) and d.weight.requires_grad
    assert d.weight.data_ptr() == new_w.data_ptr()
    e = nn.Linear(3, 2)
    e.load_state_dict({"weight": dygrad.ones(2, 3, dtype=dygrad.float64), "bias": dygrad.zeros(2)})
    assert e.weight.dtype == dygrad.float32 and float(e.weight.detach().sum()) == 6.0


def test_registration_errors_match_torch():
    torch = torch_or_skip()
    for mod, T in ((nn, dygrad), (torch.nn, torch)):
        m = mod.Linear(2, 2)
        with pytest.raises(KeyError, match="attribute 'weight' already exists"):
            m.register_buffer("weight", T.zeros(1))
        with pytest.raises(KeyError, match="contain"):
            m.register_parameter("a.b", None)
        with pytest.raises(KeyError, match="empty string"):
            m.register_buffer("", None)
        with pytest.raises(TypeError, match="cannot assign"):
            m.register_parameter("q", T.zeros(1))
        with pytest.raises(TypeError, match="cannot assign"):
            m.weight = T.zeros(2, 2)
        with pytest.raises(TypeError, match="is not a Module subclass"):
            m.add_module("x", 3)
        with pytest.raises(ValueError, match="non-leaf"):
            m.register_parameter("nl", _nonleaf_param(mod, T))
        with pytest.raises(AttributeError, match="has no attribute 'nope'"):
            m.nope

    class Early(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match="cannot assign module before Module.__init__"):
        Early()


def _nonleaf_param(mod, T):
    p = mod.Parameter(T.ones(2))
    q = p * 2
    q.__class__ = mod.Parameter
    return q


def test_attribute_reassignment_moves_between_registries():
    m = nn.Module()
    m.x = nn.Parameter(dygrad.ones(2))
    assert "x" in m._parameters
    m.x = None
    assert m._parameters["x"] is None and m.x is None
    m.y = nn.Linear(1, 1)
    m.y = None
    assert m._modules["y"] is None
    m.z = nn.Buffer(dygrad.zeros(3), persistent=False)
    assert "z" in m._buffers and "z" in m._non_persistent_buffers_set
    m.z = dygrad.ones(3)  # assigning a tensor to a buffer name keeps it a buffer
    assert m.z.sum().item() == 3 and "z" not in m.state_dict()
    del m.z
    assert "z" not in m._buffers and not hasattr(m, "z")
    m.w = nn.Parameter(dygrad.ones(1))
    with pytest.raises(TypeError, match="cannot assign .* as parameter 'w'"):
        m.w = nn.Linear(1, 1)  # PyTorch refuses this too: delete the parameter first
    del m.w
    m.w = nn.Linear(1, 1)
    assert "w" not in m._parameters and "w" in m._modules
    assert "w" in dir(m) and "x" in dir(m)


def test_get_submodule_parameter_buffer():
    d, t = pair()
    assert d.get_submodule("seq.2.1") is d.seq[2][1]
    assert d.get_parameter("seq.2.1.bias") is d.seq[2][1].bias
    assert d.get_buffer("b") is d.b
    with pytest.raises(AttributeError, match="has no attribute `zz`"):
        d.get_submodule("seq.zz")
    with pytest.raises(AttributeError, match="is not an nn.Module"):
        d.get_submodule("fc.weight")
    with pytest.raises(AttributeError, match="is not an nn.Parameter"):
        d.get_parameter("b")
    d.set_submodule("md.a", nn.ReLU())
    assert isinstance(d.md["a"], nn.ReLU)


def test_train_eval_apply_requires_grad_zero_grad():
    d, _ = pair()
    assert d.training and d.seq[1].training
    assert d.eval() is d and not d.seq[2][0].training
    d.train()
    assert d.md.a.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        d.train(1)
    seen = []
    d.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"
    d.requires_grad_(False)
    assert not any(p.requires_grad for p in d.parameters())
    d.requires_grad_()
    d(dygrad.ones(1, 3)).sum().backward()
    assert d.fc.weight.grad is not None
    d.zero_grad(set_to_none=False)
    assert d.fc.weight.grad is not None and float(d.fc.weight.grad.abs().sum()) == 0
    d.zero_grad()
    assert d.fc.weight.grad is None


def test_dtype_conversion_keeps_parameters():
    d = Net()
    w = d.fc1.weight
    d(dygrad.ones(2, 16)).sum().backward()
    assert d.double() is d
    assert d.fc1.weight is w and w.dtype == dygrad.float64 and w.grad.dtype == dygrad.float64
    d.float()
    assert w.dtype == dygrad.float32
    d.to(dygrad.float64)
    assert w.dtype == dygrad.float64
    d.to("cpu").to(device="cpu", dtype=dygrad.float32).cpu()
    assert w.dtype == dygrad.float32
    d.half()
    assert w.dtype == dygrad.float16
    d.to(dygrad.ones(1, dtype=dygrad.float64))
    assert w.dtype == dygrad.float64
    with pytest.raises(TypeError, match="only accepts floating point"):
        d.to(dygrad.int64)
    m = nn.Module()
    m.register_buffer("steps", dygrad.tensor(3))
    m.double()
    assert m.steps.dtype == dygrad.int64  # integer buffers keep their dtype


def test_cuda_requests_fail_clearly():
    d = Net()
    with pytest.raises(RuntimeError, match="CUDA"):
        d.cuda()
    with pytest.raises(RuntimeError, match="CUDA"):
        d.to("cuda")
    with pytest.raises(RuntimeError, match="CUDA"):
        d.cuda(0)
    with pytest.raises(RuntimeError, match=r"\.to\(device\)"):
        d.cuda(device=dygrad.device("cpu"))  # PyTorch refuses a CPU device in .cuda() too
    assert d.to(dygrad.device("cpu")) is d


def test_forward_hooks_match_torch():
    torch = torch_or_skip()
    logs = {}
    for mod, T in ((nn, dygrad), (torch.nn, torch)):
        log = logs.setdefault(mod.__name__, [])
        m = mod.Linear(3, 2)
        h1 = m.register_forward_pre_hook(lambda mm, inp: log.append(("pre", type(inp).__name__, len(inp))))
        h2 = m.register_forward_hook(lambda mm, inp, out: log.append(("fwd", tuple(out.shape))) or out * 0 + 1)
        h3 = m.register_forward_pre_hook(lambda mm, args, kw: log.append(("prekw", sorted(kw))),
                                         with_kwargs=True, prepend=True)
        h4 = m.register_forward_hook(lambda mm, args, kw, out: log.append(("fwdkw", sorted(kw))),
                                     with_kwargs=True)
        out = m(T.ones(4, 3))
        log.append(("out", out.sum().item() if mod is nn else out.detach().sum().item()))
        for h in (h1, h2, h3, h4):
            h.remove()
        m(T.ones(4, 3))
        log.append(("hooks", len(m._forward_hooks), len(m._forward_pre_hooks)))
        # a pre-hook may replace the input, a forward hook the output
        m.register_forward_pre_hook(lambda mm, inp: (inp[0] * 0,))
        log.append(("replaced", m(T.ones(1, 3)).sub(m.bias).abs().sum().detach().item()))
    assert logs["dygrad.nn"] == logs["torch.nn"]


def test_forward_hook_always_call_runs_on_error():
    m = nn.Linear(3, 2)
    calls = []
    m.register_forward_hook(lambda mm, inp, out: calls.append(out), always_call=True)
    with pytest.raises(RuntimeError):
        m(dygrad.ones(2, 5))
    assert calls == [None]


def test_full_backward_hooks_match_torch():
    torch = torch_or_skip()
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    results = {}
    models = {"torch.nn": torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)),
              "dygrad.nn": nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))}
    copy_state(models["dygrad.nn"], models["torch.nn"])
    for mod, T in ((torch.nn, torch), (nn, dygrad)):
        m = models[mod.__name__]
        log = []
        m[2].register_full_backward_pre_hook(lambda mm, go: log.append(("pre", [g.numpy().copy() for g in go])))
        m[2].register_full_backward_hook(
            lambda mm, gi, go: log.append(("full", [g.numpy().copy() for g in gi],
                                           [g.numpy().copy() for g in go])))
        # doubling grad_input of the tanh changes everything upstream
        m[1].register_full_backward_hook(lambda mm, gi, go: (gi[0] * 2,))
        xi = T.tensor(x, requires_grad=True)
        m(xi).pow(2).sum().backward()
        results[mod.__name__] = (log, xi.grad.numpy().copy(), m[0].weight.grad.numpy().copy())
    (dl, dg, dw), (tl, tg, tw) = results["dygrad.nn"], results["torch.nn"]
    assert [e[0] for e in dl] == [e[0] for e in tl] == ["pre", "full"]
    for a, b in zip(dl, tl):
        for x1, x2 in zip(a[1:], b[1:]):
            assert_close(x1, x2)
    assert_close(dg, tg)
    assert_close(dw, tw)


def test_full_backward_hook_when_no_input_requires_grad():
    m = nn.Linear(3, 2)
    seen = []
    m.register_full_backward_hook(lambda mm, gi, go: seen.append((gi, tuple(go[0].shape))))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        m(dygrad.ones(4, 3)).sum().backward()
    assert seen == [((None,), (4, 2))]
    assert m.weight.grad is not None


def test_global_forward_hook():
    from dygrad.nn.modules.module import register_module_forward_hook
    seen = []
    h = register_module_forward_hook(lambda m, i, o: seen.append(type(m).__name__))
    try:
        nn.Sequential(nn.Linear(2, 2), nn.ReLU())(dygrad.ones(1, 2))
    finally:
        h.remove()
    nn.ReLU()(dygrad.ones(1))
    assert seen == ["Linear", "ReLU", "Sequential"]


def test_custom_module_repr_with_extra_repr_and_nesting():
    torch = torch_or_skip()

    def make(mod):
        class Block(mod.Module):
            def __init__(self, k):
                super().__init__()
                self.k = k
                self.body = mod.Sequential(mod.Linear(k, k), mod.GELU(), mod.Dropout(0.1))

            def extra_repr(self):
                return f"k={self.k}\nsecond line"
        root = mod.Module()
        root.blocks = mod.ModuleList([Block(4) for _ in range(3)])
        root.head = mod.ModuleDict({"cls": mod.Linear(4, 2), "act": mod.Softmax(dim=-1)})
        return root
    assert repr(make(nn)) == repr(make(torch.nn))


def test_forward_not_implemented_and_call_super_init():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(dygrad.ones(1))
    with pytest.raises(TypeError):
        nn.Module(3)


def test_deepcopy_and_pickle():
    d = Net()
    d2 = copy.deepcopy(d)
    assert isinstance(d2.fc1.weight, nn.Parameter) and d2.fc1.weight is not d.fc1.weight
    assert_close(d2.fc1.weight, d.fc1.weight)
    d3 = pickle.loads(pickle.dumps(d))
    x = dygrad.randn(2, 16)
    assert_close(d3(x), d(x))
    assert isinstance(d3.fc2.bias, nn.Parameter) and d3.fc2.bias.requires_grad


def test_parameter_semantics():
    torch = torch_or_skip()
    t = dygrad.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, nn.Parameter) and isinstance(p, dygrad.Tensor) and p.requires_grad
    assert p.data_ptr() == t.data_ptr()  # shares memory
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert repr(nn.Parameter(t, requires_grad=False)) == \
        repr(torch.nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=False))
    assert repr(nn.Parameter()) == repr(torch.nn.Parameter())
    assert type(p * 2) is dygrad.Tensor
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(dygrad.tensor([1, 2]))
    assert not nn.Parameter(dygrad.tensor([1, 2]), requires_grad=False).requires_grad


def test_data_parallel_on_cpu_matches_torch():
    torch = torch_or_skip()
    d = nn.DataParallel(Net(), device_ids=[0, 1])
    assert d.device_ids == [] and isinstance(d.module, Net)
    assert list(d.state_dict()) == ["module.fc1.weight", "module.fc1.bias", "module.fc2.weight",
                                    "module.fc2.bias"]
    tnet = torch.nn.Sequential()
    assert repr(nn.DataParallel(nn.Linear(2, 3))) == repr(torch.nn.DataParallel(torch.nn.Linear(2, 3)))
    x = dygrad.randn(3, 16)
    assert_close(d(x), d.module(x))
    d(x).sum().backward()
    assert d.module.fc1.weight.grad is not None
    del tnet


def test_pytorch_class_paths_exist():
    from dygrad.nn.modules.linear import Linear, Identity, Bilinear  # noqa: F401
    from dygrad.nn.modules.container import Sequential, ModuleList, ModuleDict, ParameterList  # noqa: F401
    from dygrad.nn.modules.module import Module, register_module_forward_pre_hook  # noqa: F401
    from dygrad.nn.modules.activation import ReLU, GELU, Softmax  # noqa: F401
    from dygrad.nn.modules.loss import CrossEntropyLoss, MSELoss, _Loss, _WeightedLoss  # noqa: F401
    from dygrad.nn.modules.sparse import Embedding  # noqa: F401
    from dygrad.nn.modules.dropout import Dropout  # noqa: F401
    from dygrad.nn.modules.flatten import Flatten  # noqa: F401
    from dygrad.nn.parameter import Parameter, Buffer  # noqa: F401
    from dygrad.nn.parallel import DataParallel  # noqa: F401
    from dygrad.nn.utils import clip_grad_norm_, parameters_to_vector  # noqa: F401
    assert nn.Linear is Linear and nn.modules.Linear is Linear and nn.Module is Module
    assert issubclass(CrossEntropyLoss, _WeightedLoss) and issubclass(MSELoss, _Loss)
