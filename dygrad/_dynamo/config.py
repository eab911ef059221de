"""`torch._dynamo.config`: `recompile_limit` (and its older name `cache_size_limit`) bounds how
many input signatures one compiled function captures before the rest run eagerly; it is read
when `torch.compile` is called. The other switches programs set (`suppress_errors`, `verbose`,
...) are accepted and kept, and change nothing in dygrad's capture-and-replay compiler."""
import sys
import types


class _Config(types.ModuleType):
    recompile_limit = 8
    accumulated_recompile_limit = 256
    suppress_errors = False
    verbose = False
    capture_scalar_outputs = False
    capture_dynamic_output_shape_ops = False
    automatic_dynamic_shapes = True
    assume_static_by_default = True
    optimize_ddp = True

    @property
    def cache_size_limit(self):
        return self.recompile_limit

    @cache_size_limit.setter
    def cache_size_limit(self, value):
        self.recompile_limit = value


_mod = sys.modules[__name__]
_new = _Config(__name__, __doc__)
_new.__dict__.update({k: v for k, v in _mod.__dict__.items() if k.startswith("__")})
sys.modules[__name__] = _new
