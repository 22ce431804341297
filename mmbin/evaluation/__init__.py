# Copyright (c) mmbin contributors. All rights reserved.
from . import metrics  # noqa: F401
