# Copyright (c) mmbin contributors. All rights reserved.
"""mmbin: binary and computation-sharing multi-task dense prediction for
MMSegmentation.

Importing the package registers every mmbin component in MMSegmentation's
registries and installs the safe checkpoint loader (see
:mod:`mmbin.utils.checkpoint`).
"""
from .version import __version__
from . import utils  # noqa: F401  (installs the safe checkpoint loader)
from . import (analysis, datasets, engine, evaluation,  # noqa: F401,E402
               models, ops)
from . import visualization  # noqa: F401,E402
from . import apis  # noqa: F401,E402

__all__ = ['__version__']
