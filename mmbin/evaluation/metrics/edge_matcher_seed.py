# Copyright (c) mmbin contributors. All rights reserved.
"""A fixed seed for the random stream of the BSDS boundary matcher.

The BSDS benchmark's ``correspondPixels`` (``match.cc``), which pyEdgeEval
compiles, adds randomly chosen outlier edges to the bipartite graph
(``kOfN`` draws from the process-wide ``Random::rand`` stream), and that
stream is seeded from the system clock when the extension loads. The
matched pixel counts, and so odsF / oisF, therefore change a little from
process to process and with the number of images evaluated before
(observed: odsF 6.01 vs 5.81 for the same weights on a 48x64 test set,
once a run had validated twice before and the other run once).

pyEdgeEval exposes no seed, so this module reseeds the stream through the
C++ symbols of the loaded extension (``Random::rand`` and
``Random::reseed(u_int64_t)``, both exported by the default build) before
every image, which makes each image's counts a function of that image
only: the same on every run, in any order and in any worker. The match is
still the BSDS one (same graph, same outlier degree); only which outliers
are drawn is fixed.

References:
    Martin et al., "Learning to Detect Natural Image Boundaries Using Local
    Brightness, Color, and Texture Cues", TPAMI 2004 (the BSDS matcher);
    pyEdgeEval: https://github.com/haruishi43/py-edge-eval
"""
import contextlib
import ctypes
import importlib
import threading
from typing import Callable, Iterator, Optional

#: Seed of the matcher's stream before every image (any non-zero value;
#: zero would mean "from the clock").
MATCHER_SEED = 20040501

_RAND_SYMBOL = '_ZN6Random4randE'  # Random::rand
_RESEED_SYMBOL = '_ZN6Random6reseedEm'  # Random::reseed(unsigned long)

_lock = threading.Lock()
_reseed: Optional[Callable[[int], None]] = None


def _bind() -> Callable[[int], None]:
    """Bind ``Random::rand.reseed`` of the loaded pyEdgeEval extension.

    Raises:
        RuntimeError: If the extension lacks the symbols (a build with
            hidden symbols or another matcher), naming what to do.
    """
    path = importlib.import_module(
        'pyEdgeEval._lib.correspond_pixels').__file__
    lib = ctypes.CDLL(path)  # the already loaded library, same statics
    try:
        rand = ctypes.c_char.in_dll(lib, _RAND_SYMBOL)
        fn = getattr(lib, _RESEED_SYMBOL)
    except (ValueError, AttributeError) as e:
        raise RuntimeError(
            f'cannot seed the BSDS matcher of pyEdgeEval ({path}): symbol '
            f'{e}. Edge metrics (odsF, oisF) would change from run to run; '
            'reinstall pyEdgeEval==0.2.8 from source (make install does) '
            'so that its extension exports Random::rand') from e
    fn.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    fn.restype = None
    this = ctypes.addressof(rand)

    def reseed(seed: int) -> None:
        fn(this, seed)

    return reseed


@contextlib.contextmanager
def seeded_edge_matcher(seed: int = MATCHER_SEED) -> Iterator[None]:
    """Reseed the BSDS matcher's random stream and hold it for the block
    (one image's matching): threads evaluating at once take turns, so no
    block sees another's draws.

    Args:
        seed (int): Non-zero seed. Defaults to :data:`MATCHER_SEED`.

    Raises:
        ValueError: If ``seed`` is 0 (the matcher would use the clock).
        RuntimeError: If the extension's stream cannot be reached.
    """
    global _reseed
    if seed == 0:
        raise ValueError('seeded_edge_matcher: seed 0 means "seed from the '
                         'clock" to the BSDS matcher; give a non-zero seed')
    with _lock:
        if _reseed is None:
            _reseed = _bind()
        _reseed(seed)
        yield
