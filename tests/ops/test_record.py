"""The one recording path (dygrad/ops/_record.py): every op result enters the graph there, and the
graph-capture hook is called there only."""
import pathlib
import re

import numpy as np
import pytest

import dygrad
from dygrad.autograd.node import Node
from dygrad.jit import TracerWarning
from dygrad.ops._record import attach, record, record1, record2, record_view

OPS = pathlib.Path(dygrad.__file__).parent / "ops"

# what recording by hand looks like: a result made to require grad, a node hung on it, or the
# capture hook called directly
_BY_HAND = re.compile(r"_wrap\([^()]*(\([^()]*\))?[^()]*,\s*True\)|\.grad_fn\s*=(?!=)|"
                      r"\._rg\s*=\s*True|trace\.record\(|\.trace\.created\(")


def test_no_op_module_records_by_hand():
    found = []
    for path in sorted(OPS.glob("*.py")):
        if path.name == "_record.py":
            continue
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if _BY_HAND.search(line.split("#")[0]):
                found.append(f"{path.name}:{no}: {line.strip()}")
    assert not found, "record through dygrad/ops/_record.py instead:\n" + "\n".join(found)


class _TwoBackward(Node):
    __slots__ = ()

    def backward(self, g):
        return g, g


def test_node_only_when_grad_is_needed():
    a = dygrad.ones(3)
    b = dygrad.ones(3, requires_grad=True)
    out = np.full(3, 2.0)
    t, node = record(out, _TwoBackward, (a, a))
    assert node is None and t.grad_fn is None and not t.requires_grad
    t, node = record(out, _TwoBackward, (a, b))
    assert t.grad_fn is node and t.requires_grad
    assert node.next_functions[0] == (None, 0) and node.next_functions[1][0] is not None
    with dygrad.no_grad():
        assert record(out, _TwoBackward, (b, b))[1] is None
    # an integer result has no gradient when the op says so
    t, node = record(np.arange(3), _TwoBackward, (b, b), float_out=True)
    assert node is None and t.dtype == dygrad.int64


def test_a_scalar_operand_gets_no_edge_and_the_short_forms_agree():
    x = dygrad.ones(2, requires_grad=True)
    _, n = record(np.ones(2), _TwoBackward, (x, 3.0))
    _, n2 = record2(np.ones(2), _TwoBackward, x, 3.0)
    assert n.next_functions[1] == n2.next_functions[1] == (None, 0)
    _, n1 = record1(np.ones(2), _TwoBackward, x)
    assert len(n1.next_functions) == 1
    t = attach(np.ones(2), n1, 1)
    assert t.grad_fn is n1 and t.output_nr == 1 and t.requires_grad


def test_a_view_shares_memory_and_version():
    x = dygrad.zeros(4)
    v, node = record_view(x, x._data[1:3], _TwoBackward)
    assert node is None
    v.add_(1)
    assert x.tolist() == [0.0, 1.0, 1.0, 0.0] and x._version == v._version


def _double(x):
    """A user-level op built on the recording path, with its replay kernel."""
    class DoubleBackward(Node):
        __slots__ = ()

        def backward(self, g):
            return g * 2

    def kernel(d):
        return d * 2
    return record1(x._data * 2, DoubleBackward, x, kernel)[0]


def test_the_capture_replays_an_op_recorded_with_a_kernel():
    x = dygrad.tensor([1.0, 2.0], requires_grad=True)
    traced = dygrad.jit.trace(lambda a: _double(a).sum(), x)
    assert not traced.reasons
    y = dygrad.tensor([3.0, -1.0], requires_grad=True)
    out = traced(y)
    out.backward()
    assert out.item() == 4.0 and y.grad.tolist() == [2.0, 2.0]


def test_the_capture_names_an_op_recorded_without_a_kernel():
    class NoKernelBackward(Node):
        __slots__ = ()

        def backward(self, g):
            return g

    def fn(a):
        return record1(a._data + 1, NoKernelBackward, a)[0] * 2
    with pytest.warns(TracerWarning, match="NoKernelBackward"):
        traced = dygrad.jit.trace(fn, dygrad.ones(2, requires_grad=True))
    y = dygrad.zeros(2, requires_grad=True)
    assert traced(y).tolist() == [2.0, 2.0]  # runs eagerly, correctly
