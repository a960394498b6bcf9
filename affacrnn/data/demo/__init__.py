"""The synthetic demo corpus (being split)."""
from affacrnn.data.demo.build import *  # noqa: F401,F403
from affacrnn.data.demo.build import __all__  # noqa: F401
