# Copyright (c) mmbin contributors. All rights reserved.
from . import transforms  # noqa: F401
