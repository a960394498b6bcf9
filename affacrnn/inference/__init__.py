"""Inference on real speech (being split)."""
from affacrnn.inference.predictor import *  # noqa: F401,F403
from affacrnn.inference.predictor import __all__  # noqa: F401
