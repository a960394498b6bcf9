"""The chapters' widgets (being split)."""
from affacrnn.book.widgets.core import *  # noqa: F401,F403
from affacrnn.book.widgets.core import __all__  # noqa: F401
