"""The (values, indices) ops that route the gradient to picked indices (sort, topk, max/min,
median, mode, kthvalue, cummax/cummin, max pooling): PyTorch's grad_fn names, and an in-place
change of the returned indices before backward raises instead of changing the gradient (the
node reads indices that may share the returned tensor's memory)."""
import pytest

import dygrad as torch
import dygrad.nn.functional as F

PICKS = {
    "sort": (lambda x: x.sort(1), "SortBackward0"),
    "topk": (lambda x: x.topk(2, 1), "TopkBackward0"),
    "max": (lambda x: x.max(1), "MaxBackward0"),
    "min": (lambda x: x.min(1, keepdim=True), "MinBackward0"),
    "median": (lambda x: x.median(1), "MedianBackward1"),
    "nanmedian": (lambda x: x.nanmedian(1), "NanmedianBackward1"),
    "mode": (lambda x: x.mode(1), "ModeBackward0"),
    "kthvalue": (lambda x: x.kthvalue(2, 1, keepdim=True), "KthvalueBackward0"),
    "scalar": (lambda x: x[0, 0].max(0), "MaxBackward0"),
}


def _x():
    return torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], requires_grad=True)


@pytest.mark.parametrize("name", sorted(PICKS))
def test_grad_fn_name(name):
    fn, node = PICKS[name]
    assert type(fn(_x())[0].grad_fn).__name__ == node


@pytest.mark.parametrize("name", sorted(PICKS))
def test_indices_changed_in_place_raise(name):
    fn = PICKS[name][0]
    values, indices = fn(_x())
    indices.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        values.sum().backward()


@pytest.mark.parametrize("name", sorted(PICKS))
def test_untouched_indices_route_the_gradient(name):
    fn = PICKS[name][0]
    x = _x()
    values, indices = fn(x)
    values.sum().backward()
    expected = torch.zeros(2, 3)
    if indices.dim() == 0:
        expected[0, 0] = 1.0
    else:
        idx = indices.reshape(2, -1)
        for r in range(2):
            for i in idx[r].tolist():
                expected[r, i] += 1.0
    assert torch.equal(x.grad, expected)


OTHER_INDICES = {
    "cummax": lambda x: x.cummax(1),
    "cummin": lambda x: x.cummin(0),
    "max_pool1d": lambda x: F.max_pool1d(x.unsqueeze(0), 2, return_indices=True),
    "max_pool2d": lambda x: F.max_pool2d(x.unsqueeze(0), 2, return_indices=True),
    "adaptive_max_pool1d": lambda x: F.adaptive_max_pool1d(x, 1, return_indices=True),
}


@pytest.mark.parametrize("name", sorted(OTHER_INDICES))
def test_other_returned_indices_changed_in_place_raise(name):
    values, indices = OTHER_INDICES[name](_x())
    indices.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        values.sum().backward()


@pytest.mark.parametrize("loss", [F.nll_loss, F.cross_entropy])
def test_class_targets_changed_in_place_raise(loss):
    # the node keeps the targets' array: a change must not silently move the gradient
    x = _x()
    target = torch.tensor([0, 2])
    out = loss(x, target, reduction="none")
    target.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_cummax_gradient_follows_the_running_maximum():
    x = _x()
    values, indices = x.cummax(1)
    values.sum().backward()
    assert indices.tolist() == [[0, 0, 0], [0, 1, 1]]
    assert x.grad.tolist() == [[3.0, 0.0, 0.0], [1.0, 2.0, 0.0]]


def test_baddbmm_checks_sizes_before_dtypes():
    # PyTorch reports the batch size mismatch first when the dtypes differ too
    with pytest.raises(RuntimeError, match="Expected size for first two dimensions"):
        torch.baddbmm(torch.ones(2, 3, 6), torch.ones(2, 3, 4),
                      torch.ones(2, 5, 6, dtype=torch.float64))
