"""Bases of the loss modules: the reduction option (and PyTorch's legacy size_average/reduce
spelling of it) and the class-weight buffer; shared by loss.py and loss_margin.py."""
from typing import Optional

from ...ops._layer_util import legacy_reduction
from ..._tensor import Tensor
from .module import Module


class _Loss(Module):
    def __init__(self, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                 reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = legacy_reduction(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
                 reduce: Optional[bool] = None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
