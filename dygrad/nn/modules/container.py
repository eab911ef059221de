"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict.

They can grow and shrink between forward calls (append/insert/pop/del); positional containers
renumber their keys after a deletion, as PyTorch does, so state_dict keys stay "0", "1", ...
"""
import operator
from collections import OrderedDict
from collections.abc import Mapping
from itertools import chain, islice
from typing import Any, Iterable, Optional

from .module import Module, _addindent

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Container"]


def _index(idx, n):
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range")
    return idx + n if idx < 0 else idx


def _update_pairs(target, pairs, dict_type: type, update_name: str) -> None:
    """The update of ModuleDict/ParameterDict (`dict_type`): from a mapping's items, or from an
    iterable of (key, value) pairs, with PyTorch's errors (`update_name` is how its message spells
    the method's owner)."""
    name = dict_type.__name__
    if not hasattr(pairs, "__iter__"):
        raise TypeError(f"{update_name}.update should be called with an iterable of key/value "
                        f"pairs, but got {type(pairs).__name__}")
    if isinstance(pairs, (OrderedDict, Mapping, dict_type)):
        for key, value in pairs.items():
            target[key] = value
        return
    for j, pair in enumerate(pairs):
        if not hasattr(pair, "__iter__"):
            raise TypeError(f"{name} update sequence element #{j} should be Iterable; "
                            f"is {type(pair).__name__}")
        if len(pair) != 2:
            raise ValueError(f"{name} update sequence element #{j} has length {len(pair)}; "
                             "2 is required")
        target[pair[0]] = pair[1]


class Container(Module):
    """Deprecated base of old-style containers: registers each keyword argument as a child
    module; kept so old code that builds one still runs.

    Example::

        >>> c = torch.nn.Container(fc=torch.nn.Linear(2, 2))
        >>> [name for name, _ in c.named_children()]
        ['fc']
    """

    def __init__(self, **kwargs):
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)


class _ModuleSequence(Module):
    """Base of Sequential and ModuleList: children keyed by position ("0", "1", ...), renumbered
    after a deletion as PyTorch does, so state_dict keys stay positional."""

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for key in list(self._modules.keys())[idx]:
                delattr(self, key)
        else:
            i = _index(idx, len(self._modules))
            delattr(self, next(islice(self._modules.keys(), i, None)))
        # renumber so that the positions stay the keys
        self._modules = OrderedDict((str(i), m) for i, m in enumerate(self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def pop(self, key):
        v = self[key]
        del self[key]
        return v


class Sequential(_ModuleSequence):
    """Chains modules: the output of each child is the input of the next. Children get keys
    '0', '1', ... or the names of an OrderedDict; indexing, slicing, append, insert, pop and
    `+` / `*` work as on lists.

    Example::

        >>> _ = torch.manual_seed(0)
        >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
        >>> net(torch.ones(5, 4)).shape
        torch.Size([5, 1])
        >>> len(net), type(net[1]).__name__
        (3, 'ReLU')
    """

    def __init__(self, *args: Module | OrderedDict[str, Module]):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def forward(self, input: Any) -> Any:
        """Runs `input` through every child in order and returns the last output."""
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(OrderedDict(list(self._modules.items())[idx]))
        i = _index(idx, len(self._modules))
        return next(islice(self._modules.values(), i, None))

    def __setitem__(self, idx, module):
        i = _index(idx, len(self._modules))
        key = next(islice(self._modules.keys(), i, None))
        setattr(self, key, module)


    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        ret = Sequential()
        for layer in chain(self, other):
            ret.append(layer)
        return ret

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        for layer in list(other):
            self.append(layer)
        return self

    def __mul__(self, other):
        if not isinstance(other, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        ret = Sequential()
        for _ in range(other):
            for layer in self:
                ret.append(layer)
        return ret

    __rmul__ = __mul__

    def __imul__(self, other):
        if not isinstance(other, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        layers = list(self)
        for _ in range(other - 1):
            for layer in layers:
                self.append(layer)
        return self


    def insert(self, index, module):
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self._modules)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        if index < 0:
            index += n
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._modules = OrderedDict((str(i), m) for i, m in enumerate(mods))
        return self

    def extend(self, sequential):
        for layer in sequential:
            self.append(layer)
        return self



class ModuleList(_ModuleSequence):
    """A list of modules whose parameters become the owner's (a plain Python list would hide
    them); it has no forward of its own.

    Example::

        >>> layers = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
        >>> layers.append(torch.nn.Tanh())
        ModuleList(
          (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)
          (3): Tanh()
        )
        >>> len(layers), len(list(layers.parameters()))
        (4, 6)
    """

    def __init__(self, modules: Optional[Iterable[Module]] = None):
        super().__init__()
        if modules is not None:
            self += modules

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self._modules)))]

    def __setitem__(self, idx, module):
        setattr(self, str(_index(idx, len(self._modules))), module)


    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        combined = ModuleList()
        for i, m in enumerate(chain(self, other)):
            combined.add_module(str(i), m)
        return combined


    def __repr__(self):
        # runs of identical children print once, as "(0-2): 3 x Linear(...)" (PyTorch >= 2.1)
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        groups = []
        start = 0
        for i in range(1, len(reprs) + 1):
            if i == len(reprs) or reprs[i] != reprs[start]:
                groups.append((start, i - 1))
                start = i
        lines = []
        for a, b in groups:
            body = _addindent(reprs[a], 2)
            if a == b:
                lines.append(f"({a}): {body}")
            else:
                lines.append(f"({a}-{b}): {b - a + 1} x {body}")
        s = self._get_name() + "("
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n") + lines
        return s + "\n  " + "\n  ".join(lines) + "\n)"

    def insert(self, index, module):
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._modules = OrderedDict()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)



    def extend(self, modules):
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)) or \
                not hasattr(modules, "__iter__"):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        offset = len(self)
        for i, m in enumerate(modules):
            self.add_module(str(offset + i), m)
        return self


class ModuleDict(Module):
    """An ordered dict of named modules whose parameters become the owner's; it has no forward
    of its own.

    Example::

        >>> acts = torch.nn.ModuleDict({'relu': torch.nn.ReLU(), 'tanh': torch.nn.Tanh()})
        >>> list(acts.keys())
        ['relu', 'tanh']
        >>> acts['relu'](torch.tensor([-1.0, 1.0]))
        tensor([0., 1.])
    """

    def __init__(self, modules: Optional[Mapping[str, Module] | Iterable] = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        self._modules.clear()

    def pop(self, key):
        v = self[key]
        del self[key]
        return v

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        _update_pairs(self, modules, ModuleDict, "ModuleDict")


# PyTorch defines these in container.py too; they need _index above, so they import last
from .parameter_containers import ParameterList, ParameterDict  # noqa: E402,F401
