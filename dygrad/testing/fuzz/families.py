"""Family registry: name -> generator(g) that appends statements to a `Gen`."""
from . import fam_autograd as _ag
from . import fam_creation as _cr
from . import fam_elementwise as _ew
from . import fam_index as _ix
from . import fam_linalg as _la
from . import fam_modules as _md
from . import fam_nn as _nn
from . import fam_optim as _op
from . import fam_reduce as _rd
from . import fam_shape as _sh
from . import fam_transforms as _tf
from . import fam_views as _vw
from .gen import Gen

FAMILIES = {
    "binary": _ew.gen_binary,
    "unary": _ew.gen_unary,
    "reduce": _rd.gen_reduce,
    "index": _ix.gen_index,
    "views": _vw.gen_views,
    "matmul": _la.gen_matmul,
    "join": _sh.gen_join,
    "order": _sh.gen_order,
    "conv": _nn.gen_conv,
    "norm": _nn.gen_norm,
    "loss": _nn.gen_loss,
    "creation": _cr.gen_creation,
    "autograd": _ag.gen_autograd,
    "optim": _op.gen_optim,
    "modules": _md.gen_modules,
    "transforms": _tf.gen_transforms,
}


def generate(family, seed, case):
    """The Program for (family, seed, case); the same triple always gives the same text."""
    g = Gen(family, seed, case)
    FAMILIES[family](g)
    return g.program(family, seed, case)
