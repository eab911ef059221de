"""Op records: creation functions, dtype helpers, conversions and Tensor attribute methods.

Folded from the parity sweeps: each expression sample keeps its sweep case name as label and is
filed under the public op its label names (see tests/records/_names.py)."""
import numpy as np

from dygrad.testing import RecordSet
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R, strip="create_")


# -- creation -----------------------------------------------------------------------------------------
CREATE = {
    "zeros": lambda T: T.zeros(2, 3), "zeros_tuple": lambda T: T.zeros((2, 3)), "zeros_list_dtype": lambda T: T.zeros([2], dtype=T.int64),
    "zeros_0d": lambda T: T.zeros([]), "zeros_neg_err": lambda T: T.zeros(-1), "ones_bool": lambda T: T.ones(3, dtype=T.bool),
    "full_int": lambda T: T.full((2,), 3), "full_float": lambda T: T.full((2,), 3.0), "full_bool": lambda T: T.full((2,), True),
    "full_dtype": lambda T: T.full((2, 2), 7, dtype=T.float64), "full_0d": lambda T: T.full((), 1.5),
    "arange": lambda T: T.arange(5), "arange_float_step": lambda T: T.arange(1, 4, 0.5), "arange_tenth": lambda T: T.arange(0, 1, 0.1),
    "arange_float": lambda T: T.arange(1.0, 4), "arange_dtype": lambda T: T.arange(5, dtype=T.float32), "arange_neg": lambda T: T.arange(10, 0, -3),
    "arange_empty": lambda T: T.arange(2, 1), "arange_zero_step": lambda T: T.arange(0, 5, 0), "arange_bad_sign": lambda T: T.arange(0, 5, -1),
    "arange_big": lambda T: T.arange(-3.3, 7.7, 0.7), "arange_f64": lambda T: T.arange(0, 2, 0.3, dtype=T.float64),
    "range": lambda T: T.range(0, 3) if hasattr(T, "range") else None,
    "linspace": lambda T: T.linspace(0, 1, 5), "linspace_1": lambda T: T.linspace(0, 1, 1), "linspace_0": lambda T: T.linspace(0, 1, 0),
    "linspace_f64": lambda T: T.linspace(-1, 1, steps=4, dtype=T.float64), "linspace_int": lambda T: T.linspace(0, 10, 4, dtype=T.int64),
    "linspace_rev": lambda T: T.linspace(3, -2, 6), "logspace": lambda T: T.logspace(0, 2, 3), "logspace_base": lambda T: T.logspace(0, 3, 4, base=2),
    "eye": lambda T: T.eye(3), "eye_rect": lambda T: T.eye(2, 3), "eye_dtype": lambda T: T.eye(2, dtype=T.int32),
    "tensor_int": lambda T: T.tensor([1, 2]), "tensor_float": lambda T: T.tensor([1.0, 2]), "tensor_bool": lambda T: T.tensor([True, False]),
    "tensor_scalar": lambda T: T.tensor(3), "tensor_mixed": lambda T: T.tensor([1, 2.5]), "tensor_ragged": lambda T: T.tensor([[1], [2, 3]]),
    "tensor_empty": lambda T: T.tensor([]), "tensor_nested_empty": lambda T: T.tensor([[], []]), "tensor_bool_int": lambda T: T.tensor([True, 2]),
    "tensor_np_f64": lambda T: T.tensor(np.array([1.5, 2.5])), "tensor_np_i32": lambda T: T.tensor(np.array([1, 2], np.int32)),
    "tensor_np_scalar": lambda T: T.tensor(np.float64(2.5)), "tensor_dtype": lambda T: T.tensor([1.7, -1.7], dtype=T.int64),
    "tensor_of_tensors": lambda T: T.tensor([T.tensor(1.0), T.tensor(2.0)]), "tensor_str_err": lambda T: T.tensor("a"),
    "as_tensor_list": lambda T: T.as_tensor([1, 2, 3], dtype=T.float32), "as_tensor_np": lambda T: T.as_tensor(np.arange(3)),
    "from_numpy_u8": lambda T: T.from_numpy(np.array([1, 2], np.uint8)), "scalar_tensor": lambda T: T.scalar_tensor(2),
    "empty_shape": lambda T: T.empty(2, 3).shape, "empty_dtype": lambda T: T.empty(2, dtype=T.int64).dtype,
    "tril_indices": lambda T: T.tril_indices(3, 3), "triu_indices": lambda T: T.triu_indices(3, 4, 1),
    "tril_indices_neg": lambda T: T.tril_indices(4, 3, -1), "cartesian_prod": lambda T: T.cartesian_prod(T.tensor([1, 2]), T.tensor([3, 4, 5])),
    "combinations": lambda T: T.combinations(T.tensor([1, 2, 3])), "combinations_r3": lambda T: T.combinations(T.arange(4), 3),
    "rand_meta": lambda T: (T.rand(2, 3).shape, T.rand(2).dtype, T.randn(2, dtype=T.float64).dtype),
    "randint_meta": lambda T: (T.randint(0, 5, (3,)).dtype, T.randint(5, (2, 2)).shape, T.randint(0, 5, (3,), dtype=T.int32).dtype),
    "randperm": lambda T: T.randperm(6).sort().values, "randperm_dtype": lambda T: T.randperm(4, dtype=T.float32).sort().values,
    "promote_types": lambda T: T.promote_types(T.int32, T.float16), "promote_types_u8_i8": lambda T: T.promote_types(T.uint8, T.int8),
    "promote_types_bool": lambda T: T.promote_types(T.bool, T.int16), "can_cast": lambda T: (T.can_cast(T.float32, T.int32), T.can_cast(T.int32, T.float16)),
    "get_default_dtype": lambda T: T.get_default_dtype(),
    "finfo": lambda T: [(f.bits, f.eps, f.max, f.min, f.tiny, f.smallest_normal, f.resolution, f.dtype, repr(f))
                        for f in (T.finfo(T.float32), T.finfo(T.float16), T.finfo(T.float64), T.finfo())],
    "iinfo": lambda T: [(i.bits, i.min, i.max, i.dtype, repr(i)) for i in (T.iinfo(T.uint8), T.iinfo(T.int64), T.iinfo(T.int32))],
    "finfo_int_err": lambda T: T.finfo(T.int32), "iinfo_float_err": lambda T: T.iinfo(T.float32),
    "iinfo_bool_err": lambda T: T.iinfo(T.bool), "finfo_min_mask": lambda T: T.zeros(2).masked_fill(T.tensor([True, False]), T.finfo(T.float32).min),
}
for name, fn in CREATE.items():
    add(case(f"create_{name}", fn))
X = A("f32", 2, 3)
LIKE = {
    "zeros_like": lambda T, x: T.zeros_like(x), "zeros_like_dtype": lambda T, x: T.zeros_like(x, dtype=T.int32),
    "ones_like": lambda T, x: T.ones_like(x), "full_like": lambda T, x: T.full_like(x, 7), "full_like_float_into_int": lambda T, x: T.full_like(x.long(), 2.7),
    "empty_like": lambda T, x: T.empty_like(x).shape, "rand_like": lambda T, x: T.rand_like(x).shape, "randn_like_dtype": lambda T, x: T.randn_like(x, dtype=T.float64).dtype,
    "randint_like": lambda T, x: T.randint_like(x, 5).dtype, "ones_like_rg": lambda T, x: T.ones_like(x, requires_grad=True),
}
for name, fn in LIKE.items():
    add(case(f"create_{name}", fn, X))

case, add = folder(R, strip="tensor_")

# -- conversions and attribute methods ------------------------------------------------------------------
CONV = {
    "float": lambda T, x: x.double().float(), "double": lambda T, x: x.double(), "half": lambda T, x: x.half(),
    "long": lambda T, x: (x * 3).long(), "int": lambda T, x: (x * 3).int(), "short": lambda T, x: (x * 3).short(),
    "char": lambda T, x: (x * 3).char(), "byte": lambda T, x: x.abs().mul(3).byte(), "bool": lambda T, x: x.bool(),
    "to_dtype": lambda T, x: x.to(T.float64), "to_kw": lambda T, x: x.to(dtype=T.float16), "to_other": lambda T, x: x.to(x.double()),
    "to_cpu": lambda T, x: x.to("cpu"), "to_device_dtype": lambda T, x: x.to("cpu", T.float64), "cpu": lambda T, x: x.cpu(),
    "type_str": lambda T, x: x.type(), "type_dtype": lambda T, x: x.type(T.float64), "type_name": lambda T, x: x.type("torch.DoubleTensor"),
    "type_as": lambda T, x: x.type_as(T.tensor([1], dtype=T.int32)), "new_zeros": lambda T, x: x.new_zeros(2, 3),
    "new_ones_tuple": lambda T, x: x.new_ones((2,)), "new_full": lambda T, x: x.new_full((2,), 3), "new_tensor": lambda T, x: x.new_tensor([1, 2]),
    "new_tensor_float": lambda T, x: x.long().new_tensor([1.5]), "new_empty": lambda T, x: x.new_empty(2).shape,
    "element_size": lambda T, x: (x.element_size(), x.double().element_size(), x.bool().element_size()),
    "is_floating_point": lambda T, x: (x.is_floating_point(), x.long().is_floating_point()),
    "is_signed": lambda T, x: (x.is_signed(), x.byte().is_signed()), "ndimension": lambda T, x: x.ndimension(),
    "nelement": lambda T, x: x.nelement(), "itemsize": lambda T, x: (x.itemsize, x.nbytes), "is_leaf": lambda T, x: (x.is_leaf, (x * 2).is_leaf),
    "requires_grad_attr": lambda T, x: (x.requires_grad, x.detach().requires_grad), "grad_fn_none": lambda T, x: x.grad_fn is None,
    "numpy_rg_err": lambda T, x: x.numpy(), "numpy_detached": lambda T, x: x.detach().numpy().shape,
    "item_sum": lambda T, x: x.sum().item(), "float_sum": lambda T, x: float(x.detach().sum()), "int_of": lambda T, x: int(x.detach()[0, 0] * 10),
    "H": lambda T, x: x.H, "mH": lambda T, x: x.mH, "T_0d": lambda T, x: x[0, 0].T, "device": lambda T, x: str(x.device),
    "is_cpu": lambda T, x: (x.is_cpu, x.is_cuda), "layout": lambda T, x: str(x.layout), "dim_0d": lambda T, x: x[0, 0].dim(),
    "contains": lambda T, x: (x[0, 0].item() in x.detach(), 100.0 in x.detach()), "len_0d_err": lambda T, x: len(x[0, 0]),
    "iter": lambda T, x: list(x), "bool_0d": lambda T, x: bool(x[0, 0] > -100), "format": lambda T, x: f"{x[0, 0].detach().double().item():.3f}",
    "index_of_0d": lambda T, x: [10, 20, 30][T.tensor(1)], "tolist_0d": lambda T, x: x[0, 0].detach().double().tolist(),
    "clip_": lambda T, x: (x * 1).clip_(-0.2, 0.2), "tril_": lambda T, x: (x * 1).tril_(), "triu_": lambda T, x: (x * 1).triu_(1),
    "scatter_add_": lambda T, x: (x * 1).scatter_add_(1, T.tensor([[0, 0], [2, 1]]), x[:, :2]),
    "index_copy_": lambda T, x: (x * 1).index_copy_(1, T.tensor([2, 0]), x[:, :2] * 5),
    "put_": lambda T, x: (x * 1).put_(T.tensor([0, 5]), x[0, :2] * 2), "index_put_": lambda T, x: (x * 1).index_put_((T.tensor([1]),), x[0]),
    "masked_scatter_": lambda T, x: (x * 1).masked_scatter_(x > 0, x * 10), "scatter_reduce_": lambda T, x: (x * 1).scatter_reduce_(1, T.tensor([[0, 0], [2, 1]]), x[:, :2], "amax"),
    "detach_nonleaf": lambda T, x: (x * 2).detach(), "requires_grad_false_nonleaf_err": lambda T, x: (x * 2).requires_grad_(False),
    "sum_to_size": lambda T, x: x.sum_to_size(1, 3), "retain_grad": lambda T, x: (x * 2).retains_grad,
    "half_arith": lambda T, x: (x.half() * 3 + 1).float(), "half_sum": lambda T, x: x.half().sum(),
}
for name, fn in CONV.items():
    add(case(f"tensor_{name}", fn, X))
add(case("tensor_T_1d", lambda T, x: x.T, A("f32", 3)))
add(case("tensor_bool_empty_err", lambda T, x: bool(x), np.zeros(0, np.float32)))
add(case("tensor_int_float_err", lambda T, x: int(x), A("f32", 2)))
add(case("tensor_index_float_err", lambda T, x: [1, 2][x], np.asarray(np.float32(1))))
