"""The model registry as torchvision's: `register_model`, `list_models`, `get_model`,
`get_model_builder`, and the `weights=` / legacy `pretrained=` handling every builder shares.

dygrad ships no pretrained weights and never downloads: a builder takes `weights=None` (and
`progress`, accepted and unused) and refuses anything else with an error that says how to load a
saved state_dict instead, so a program never runs silently on random weights it thought were
trained.
"""
import fnmatch
import functools
import warnings
from types import ModuleType
from typing import Any, Callable, Iterable, List, Optional, Union

__all__ = ["register_model", "list_models", "get_model", "get_model_builder", "no_pretrained",
           "trainer_models"]

BUILTIN_MODELS = {}
# other names get_model accepts (not listed): dygrad's older spelling of a builder
_ALIASES = {"lenet": "lenet5"}
# the models `dygrad train` / `dygrad eval` build for any dataset: their builders take
# (num_classes, in_channels, image_size); torchvision's ImageNet builders do not
TRAINER_MODELS = ("lenet5", "mlp", "resnet20", "resnet8")


def register_model(name: Optional[str] = None) -> Callable:
    """Decorator: registers a builder under `name` (default: the function's name)."""
    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def _filters(names, patterns):
    if isinstance(patterns, str):
        patterns = [patterns]
    found = set()
    for p in patterns:
        found |= set(fnmatch.filter(names, p))
    return found


def list_models(module: Optional[ModuleType] = None, include: Union[Iterable[str], str, None] = None,
                exclude: Union[Iterable[str], str, None] = None) -> List[str]:
    """Sorted names of the registered models, as torchvision's `list_models`.

    `module` keeps the builders defined in that package; `include` / `exclude` are fnmatch
    patterns (one or several).

    Example:
        >>> from dygrad.vision import models
        >>> models.list_models(include="resnet1*")
        ['resnet101', 'resnet152', 'resnet18']
    """
    names = {k for k, fn in BUILTIN_MODELS.items()
             if module is None or fn.__module__.rsplit(".", 1)[0] == module.__name__}
    chosen = _filters(names, include) if include else set(names)
    if exclude:
        chosen -= _filters(names, exclude)
    return sorted(chosen)


def trainer_models() -> List[str]:
    """Names of the models `dygrad train` and `dygrad eval` build (small, for any image size)."""
    return sorted(TRAINER_MODELS)


def get_model_builder(name: str) -> Callable:
    """The builder registered under `name` (case-insensitive)."""
    key = name.lower()
    try:
        return BUILTIN_MODELS[_ALIASES.get(key, key)]
    except KeyError:
        raise ValueError(f"Unknown model {name!r}; dygrad.vision.models has: "
                         f"{', '.join(list_models())}") from None


def get_model(name: str, **config: Any):
    """Builds the model registered under `name` with the builder's keyword arguments.

    Example:
        >>> from dygrad.vision import models
        >>> m = models.get_model("resnet18", weights=None, num_classes=10)
        >>> m.fc.out_features
        10
    """
    return get_model_builder(name)(**config)


def _refuse(builder, what):
    raise ValueError(
        f"{builder}({what}): dygrad.vision has no pretrained weights and downloads nothing. "
        f"Build the model with weights=None and load a saved state_dict (a torchvision .pth "
        f"loads too): model = {builder}(weights=None); "
        f"model.load_state_dict(dygrad.load('{builder}.pth'))")


def no_pretrained(builder: Callable) -> Callable:
    """Decorator for a builder `f(*, weights=None, progress=True, **kwargs)`: takes the legacy
    `pretrained=False` (with torchvision's deprecation warnings) and refuses `weights` other than
    None and `pretrained=True`."""
    name = builder.__name__

    @functools.wraps(builder)
    def wrapper(**kwargs):
        if "pretrained" in kwargs:
            pretrained = kwargs.pop("pretrained")
            if pretrained:
                _refuse(name, f"pretrained={pretrained!r}")
            if kwargs.get("weights") is None:  # torchvision: weights= wins when it's given
                warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be "
                              "removed in the future, please use 'weights' instead.", UserWarning,
                              stacklevel=2)
                warnings.warn("Arguments other than a weight enum or `None` for 'weights' are "
                              "deprecated since 0.13 and may be removed in the future. The current "
                              "behavior is equivalent to passing `weights=None`.", UserWarning,
                              stacklevel=2)
        weights = kwargs.get("weights")
        if weights is not None:
            _refuse(name, f"weights={weights!r}")
        return builder(**kwargs)

    return wrapper

