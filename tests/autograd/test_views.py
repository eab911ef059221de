"""Views and in-place ops: the root's history is rebased, sibling views regenerate, ambiguous
writes raise. Each program runs on dygrad (values asserted here) and, where torch is importable,
on PyTorch too (every tensor, flag and gradient compared)."""
import numpy as np
import pytest

import dygrad

# Each program uses `torch`, `np`, `F`; it leaves tensors in its namespace and may call backward.
PROGRAMS = {
    "copy_ into a row of a plain buffer": """
h = torch.tensor([1., 2., 3., 4.], requires_grad=True)
buf = torch.zeros(3, 4)
first = buf[0]
buf[1].copy_(h * 2)
flags = (buf.requires_grad, buf.is_leaf, first.requires_grad, first.is_leaf)
(buf * torch.arange(12.).reshape(3, 4)).sum().backward()
""",
    "view taken before an in-place relu of its base": """
x = torch.tensor([[-1., 2., -3., 4.], [5., -6., 7., 8.]], requires_grad=True)
y = x * 1
first = y[:, :2]
F.relu(y, inplace=True)
(first * torch.tensor([[1., 2.], [3., 4.]])).sum().backward()
""",
    "sibling view sees a write into another view": """
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * 1
v = y[:2]
w = y[1:]
v.mul_(2)
(w * torch.tensor([1., 10.])).sum().backward()
""",
    "add_, mul_ with a tensor, masked_fill_ on slices": """
x = torch.tensor([[1., -2., 3.], [4., 5., -6.]], requires_grad=True)
z = torch.tensor([2., 3.], requires_grad=True)
y = x.clone()
y[:, 0].add_(z)
y[1].mul_(torch.tensor([1., 2., 3.]))
y[:, 2].masked_fill_(torch.tensor([True, False]), 0.5)
(y * torch.tensor([[1., 2., 3.], [4., 5., 6.]])).sum().backward()
""",
    "in-place on a transposed view of a view": """
x = torch.arange(6.).reshape(2, 3).requires_grad_()
y = x * 1
v = y.t()
u = v[0]
u.add_(1)
u.mul_(torch.tensor([3., 4.]))
(y * y).sum().backward()
""",
    "diagonal written in place": """
x = torch.ones(3, 3, requires_grad=True)
y = x * 2
d = y.diagonal()
d.mul_(torch.tensor([1., 2., 3.]))
(y * torch.arange(9.).reshape(3, 3)).sum().backward()
""",
    "setitem through a view of a buffer in a loop": """
w = torch.tensor([0.5, -1.0], requires_grad=True)
out = torch.zeros(4, 2)
h = torch.ones(2)
for t in range(4):
    h = torch.tanh(h * w)
    out[t] = h
rows = out.unbind(0)
(out ** 2).sum().backward()
""",
    "view of a view, base written afterwards": """
x = torch.tensor([1., 2., 3., 4.], requires_grad=True)
y = x * 3
a = y.view(2, 2)
b = a[1]
y.exp_()
(b * torch.tensor([1., 2.])).sum().backward()
""",
    "copy_ of a constant into a view cuts that region": """
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * 5
y[1:].copy_(torch.tensor([7., 8.]))
y.sum().backward()
""",
    "fill_ and zero_ through views": """
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
y = x ** 2
y[0].fill_(3.0)
y[:, 1].zero_()
(y * torch.tensor([[1., 2.], [3., 4.]])).sum().backward()
""",
    "float32 view written with a float64 result": """
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * 1
s = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
y[:2].copy_(s * torch.ones(2, dtype=torch.float64))
y.sum().backward()
""",
    "no_grad view of a tensor that requires grad": """
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * 2
with torch.no_grad():
    v = y[:2]
flags = (v.requires_grad, v.is_leaf, (v * 2).requires_grad)
(v * 2).sum().backward()
""",
    "view made before requires_grad_ on its base": """
b = torch.zeros(3)
v = b[:2]
b.requires_grad_()
flags = (v.requires_grad, v.is_leaf)
(v * 2 + b[:2]).sum().backward()
""",
    "writes with grad mode off keep history": """
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * 1
v = y[1:]
with torch.no_grad():
    v.mul_(2)
    y[0] = 10.0
flags = (y.grad_fn is not None, v.grad_fn is not None)
(y * torch.tensor([1., 2., 3.])).sum().backward()
""",
    "double backward through a written view": """
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * 1
y[:2].mul_(x[1:])
g, = torch.autograd.grad((y ** 2).sum(), x, create_graph=True)
g.sum().backward()
""",
    "zero_ on a non-leaf gives its input zero gradient, not None": """
t1 = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
b = t1.clone()
v1 = b.t()
b.zero_()
use_v1 = v1 * 2
(use_v1 + b).sum().backward()
""",
    "index_fill_ into an expanded view writes only what it selects": """
b = torch.tensor([3., 4.])
ex = b[..., :1].expand(b.shape)
ex.index_fill_(-1, torch.tensor([0]), 1.25)
""",
    "a view written before its root requires grad takes the root's history": """
b = torch.zeros(4, 2)
v1 = b.unsqueeze(0).mT
b.abs_()
b.requires_grad_()
use_v1 = v1 * 2
flags = (v1.is_leaf, v1.requires_grad)
(use_v1 * torch.arange(8.).reshape(1, 2, 4)).sum().backward()
""",
    "setitem into a region of an expanded view records only that region": """
x = torch.tensor([[1., 2., 3.]], requires_grad=True)
b = x * 1
ex = b[..., :1].expand(b.shape)
t = torch.tensor(0.5, requires_grad=True)
ex[..., :1] = t * 2
(b * torch.tensor([[1., 2., 3.]])).sum().backward()
""",
    "expand is writable by fill_": """
e = torch.zeros(3).expand(2, 3)
e.fill_(1.5)
r = e.sum()
""",
}

RAISES = {
    "in-place on an output of split": ("x = torch.ones(4, requires_grad=True) * 1\n"
                                       "a, b = x.split(2)\na.mul_(2)", "Output 0 of Split"),
    "in-place on an output of unbind": ("x = torch.ones(2, 3, requires_grad=True) * 1\n"
                                        "x.unbind(0)[1].add_(1)", "Output 1 of Unbind"),
    "in-place on a view of a chunk": ("x = torch.ones(4, requires_grad=True) * 1\n"
                                      "x.chunk(2)[1][:1].add_(1)", "returns multiple views"),
    "split of a constant, written with a gradient": (
        "x = torch.ones(4)\na, b = x.split(2)\na.copy_(torch.ones(2, requires_grad=True))",
        "returns multiple views"),
    "view made under no_grad": ("y = torch.ones(3, requires_grad=True) * 1\n"
                                "with torch.no_grad():\n    v = y[:2]\nv.mul_(2)",
                                "created in no_grad mode"),
    "view of a leaf": ("x = torch.ones(3, requires_grad=True)\nx[:2].mul_(2)",
                       "view of a leaf Variable"),
    "split output used after its base was written": (
        "y = torch.ones(4, requires_grad=True) * 1\na, b = y.split(2)\ny.mul_(2)\nc = a * 2",
        "its base or another view of its base has been modified inplace"),
    "split output used after a write with grad mode off": (
        "y = torch.ones(4, requires_grad=True) * 1\na, b = y.split(2)\n"
        "with torch.no_grad():\n    y.mul_(2)\nc = a * 2", "Output 0 of Split"),
    "no_grad view read after its base was written": (
        "y = torch.ones(4, requires_grad=True) * 1\nwith torch.no_grad():\n    v = y[:2]\n"
        "y.mul_(2)\nv.grad_fn", "created in no_grad mode and its base"),
    "backward through a fill_ of an expanded view": (
        "b = torch.ones(3, requires_grad=True) * 1\nb[:1].expand(3).fill_(2.5)\nb.sum().backward()",
        "single memory location"),
    "a saved output written again": (
        "x = torch.ones(2, requires_grad=True)\nb = x.clone()\nv = b.reshape(2)\nv.exp_()\n"
        "v.sqrt_()\nb.sum().backward()", "modified by an inplace operation"),
    "a split output after a write through detach()": (
        "t = torch.ones(2, requires_grad=True)\nd = t.detach()\np = t.unsqueeze(0).split(1, 1)[0]\n"
        "d.div_(2)\nu = p * 2", "its base or another view of its base"),
    "a no_grad view after a write into a view of a detached tensor": (
        "b = torch.ones(3, 2, requires_grad=True) * 1\nwith torch.no_grad():\n    v1 = b[0]\n"
        "v2 = b.detach()[1]\nwith torch.no_grad():\n    v2.add_(1)\nu = v1 * 2",
        "created in no_grad mode and its base"),
    "add_ into an expanded tensor": ("torch.zeros(3).expand(2, 3).add_(1)", "single memory location"),
    "copy_ into an expanded tensor": ("torch.zeros(3).expand(2, 3).copy_(torch.ones(2, 3))",
                                      "single memory location"),
    "row of an expanded tensor": ("e = torch.zeros(3, 1).expand(3, 4)\ne[0] = 1.0",
                                  "single memory location"),
    "grad-recorded write into an expanded view": (
        "y = torch.ones(3, requires_grad=True) * 1\ny.expand(2, 3).mul_(2)", "single memory location"),
}


def _run(lib, src):
    import warnings
    import dygrad.nn.functional as dF
    ns = {"torch": lib, "np": np, "F": dF if lib is dygrad else lib.nn.functional}
    with warnings.catch_warnings():
        if lib is not dygrad:  # PyTorch's deprecation notes (index_fill_ on expanded tensors)
            warnings.simplefilter("ignore", UserWarning)
        exec(src, ns)
    return {k: v for k, v in ns.items() if k not in ("torch", "np", "F", "__builtins__")}


def _leaves(ns, lib):
    out = {}
    for k, v in ns.items():
        if isinstance(v, lib.Tensor):
            out[k] = (v.detach().numpy().copy(), str(v.dtype), v.requires_grad,
                      None if not v.is_leaf or v.grad is None else v.grad.numpy().copy())
        elif k == "flags":
            out[k] = v
        elif isinstance(v, (tuple, list)) and v and isinstance(v[0], lib.Tensor):
            out[k] = [t.detach().numpy().copy() for t in v]
    return out


@pytest.mark.parametrize("name", PROGRAMS)
def test_view_program_runs_and_matches_torch(name):
    ns = _leaves(_run(dygrad, PROGRAMS[name]), dygrad)
    torch = pytest.importorskip("torch")
    ref = _leaves(_run(torch, PROGRAMS[name]), torch)
    assert ns.keys() == ref.keys()
    for k, want in ref.items():
        got = ns[k]
        if k == "flags":
            assert got == want, k
            continue
        if isinstance(want, list):
            for a, b in zip(got, want):
                np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=k)
            continue
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6, err_msg=f"{k} values")
        assert got[1].replace("dygrad", "torch") == want[1], k
        assert got[2] == want[2], f"{k}.requires_grad"
        assert (got[3] is None) == (want[3] is None), f"{k}.grad is None"
        if want[3] is not None:
            np.testing.assert_allclose(got[3], want[3], rtol=1e-6, err_msg=f"{k}.grad")


# leaf gradients of the programs above as PyTorch computes them, recorded so that the programs
# are checked where torch is not installed (the parity test above compares everything else)
LEAF_GRADS = {
    "add_, mul_ with a tensor, masked_fill_ on slices": {"x": [[1., 2., 0.], [4., 10., 18.]], "z": [1., 4.]},
    "in-place on a transposed view of a view": {"x": [[18., 2., 4.], [128., 8., 10.]]},
    "diagonal written in place": {"x": [[0., 2., 4.], [6., 16., 10.], [12., 14., 48.]]},
    "setitem through a view of a buffer in a loop": {"w": [1.284287452697754, -3.674111843109131]},
    "view of a view, base written afterwards": {"x": [0., 0., 24309.251953125, 976528.75]},
    "copy_ of a constant into a view cuts that region": {"x": [5., 0., 0.]},
    "fill_ and zero_ through views": {"x": [[0., 0.], [18., 0.]]},
    "float32 view written with a float64 result": {"x": [0., 0., 1.], "s": 2.},
    "view made before requires_grad_ on its base": {"b": [1., 1., 0.]},
    "writes with grad mode off keep history": {"x": [1., 2., 3.]},
    "double backward through a written view": {"x": [16., 52., 34.]},
    "zero_ on a non-leaf gives its input zero gradient, not None": {"t1": [[0., 0.], [0., 0.]]},
    "a view written before its root requires grad takes the root's history":
        {"b": [[0., 8.], [2., 10.], [4., 12.], [6., 14.]]},
    "setitem into a region of an expanded view records only that region": {"x": [[0., 2., 3.]], "t": 2.},
}


@pytest.mark.parametrize("name", sorted(LEAF_GRADS))
def test_view_program_leaf_gradients(name):
    ns = _run(dygrad, PROGRAMS[name])
    for k, want in LEAF_GRADS[name].items():
        np.testing.assert_allclose(ns[k].grad.numpy(), want, rtol=1e-5, err_msg=k)


def test_buffer_row_copy_differentiates_without_torch():
    ns = _run(dygrad, PROGRAMS["copy_ into a row of a plain buffer"])
    assert ns["flags"] == (True, False, True, False)
    assert ns["h"].grad.tolist() == [8.0, 10.0, 12.0, 14.0]


def test_earlier_view_differentiates_through_later_relu_without_torch():
    ns = _run(dygrad, PROGRAMS["view taken before an in-place relu of its base"])
    assert ns["x"].grad.tolist() == [[0.0, 2.0, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0]]
    assert type(ns["first"].grad_fn).__name__ == "AsStridedBackward0"
    assert type(ns["y"].grad_fn).__name__ == "ReluBackward0"


def test_sibling_view_without_torch():
    ns = _run(dygrad, PROGRAMS["sibling view sees a write into another view"])
    assert ns["x"].grad.tolist() == [0.0, 2.0, 10.0]
    assert type(ns["y"].grad_fn).__name__ == "CopySlices"


@pytest.mark.parametrize("name", RAISES)
def test_ambiguous_in_place_writes_raise(name):
    src, msg = RAISES[name]
    with pytest.raises(RuntimeError, match=msg):
        _run(dygrad, src)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=msg):
        _run(torch, src)


def test_views_of_a_root_are_tracked_weakly():
    x = dygrad.zeros(10)
    for _ in range(500):
        x[1:3]
    assert len(x._views) < 100  # dead views are pruned, not kept alive
    keep = [x[i] for i in range(5)]
    with dygrad.no_grad():
        x.add_(1)
    assert all(k.tolist() == 1.0 for k in keep)


def test_invalid_view_prints_and_reads_like_torch():
    y = dygrad.ones(4, requires_grad=True) * 1
    a, _ = y.split(2)
    y.mul_(2)
    assert "grad_fn=<Invalid>" in repr(a)
    assert a.requires_grad and a.detach().tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="Output 0 of Split"):
        a.is_leaf
    assert isinstance(a, dygrad.Tensor)
