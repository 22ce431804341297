# Copyright (c) mmbin contributors. All rights reserved.
