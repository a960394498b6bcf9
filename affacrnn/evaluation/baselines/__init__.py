"""The paper's baselines (being split)."""
from affacrnn.evaluation.baselines.core import *  # noqa: F401,F403
from affacrnn.evaluation.baselines.core import __all__  # noqa: F401
