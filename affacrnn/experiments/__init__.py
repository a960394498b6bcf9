"""The paper's experiments (being split)."""
from affacrnn.experiments.runner import *  # noqa: F401,F403
from affacrnn.experiments.runner import __all__  # noqa: F401
