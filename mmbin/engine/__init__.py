# Copyright (c) mmbin contributors. All rights reserved.
from . import hooks  # noqa: F401
