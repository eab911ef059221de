"""torch.special: the declared ops of the torch.special namespace (generated: dygrad/_ns_special.py)."""
from ._ns_special import *  # noqa: F401,F403
from ._ns_special import __all__  # noqa: F401
