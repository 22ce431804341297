# Copyright (c) mmbin contributors. All rights reserved.
"""Safe loading of MMEngine checkpoints under torch >= 2.6.

Why this exists: mmengine 0.10.7 calls ``torch.load(filename)`` without
``weights_only``. Since torch 2.6 that means ``weights_only=True`` with
torch's default allow-list, which does not contain the types every MMEngine
checkpoint carries in ``meta['message_hub']`` (``HistoryBuffer``, numpy
arrays and scalars). ``--resume``, ``load_from`` and ``tools/test.py``
therefore fail with ``UnpicklingError``. The ecosystem offers no fix, so
mmbin replaces the local-file scheme of
:class:`mmengine.runner.CheckpointLoader` on import with
:func:`load_from_local`, which keeps ``weights_only=True`` and extends the
allow-list with exactly the types listed in :data:`SAFE_GLOBALS`.

Everything that loads a local checkpoint through MMEngine goes through this
loader: ``load_from``, ``--resume``, ``Runner.load_checkpoint`` (used by
``tools/test.py``), ``init_cfg=dict(type='Pretrained')`` and mmbin's teacher
checkpoints for distillation.

A checkpoint that needs any other global is refused with
:class:`UnsafeCheckpointError`, which names the offending types (also for
legacy, non-zip files, whose globals torch cannot list). To load a file you
trust anyway, set the environment variable ``MMBIN_TRUST_CHECKPOINTS=1``
(the ``--trust-checkpoint`` flag of mmbin's ``tools/train.py`` and
``tools/test.py`` sets it), which falls back to a full, unrestricted
unpickling. The messages never repeat torch's advice to pass
``weights_only=False``: that opt-in is the user's, through mmbin's switch.

A truncated or otherwise unreadable file raises
:class:`DamagedCheckpointError` (a ``RuntimeError``), so that callers can
tell "damaged" from "unsafe" and from "missing" (``FileNotFoundError``).
"""
import os
import os.path as osp
import pickle
import re
from typing import Any, Callable, List, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler
from mmengine.runner.checkpoint import CheckpointLoader

#: Environment variable that opts in to unrestricted unpickling.
TRUST_ENV = 'MMBIN_TRUST_CHECKPOINTS'

# Class attributes that MMEngine state pickles through ``getattr(cls, name)``:
# a MessageHub's HistoryBuffer statistics table and the annealing function
# of OneCycle schedulers (all OneCycleLR/OneCycleMomentum/... subclasses).
_ALLOWED_CLASS_ATTRS = {
    HistoryBuffer: frozenset(['min', 'max', 'mean', 'current', 'data']),
    OneCycleParamScheduler: frozenset(['_annealing_cos', '_annealing_linear']),
}


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs a type outside mmbin's allow-list."""


class DamagedCheckpointError(RuntimeError):
    """A checkpoint file is truncated, corrupt or not a torch checkpoint."""


# What torch's weights-only unpickler says about a refused global (torch
# 2.6 - 2.13); used to name the culprit of files whose globals
# ``get_unsafe_globals_in_checkpoint`` cannot list (legacy, non-zip files).
_REFUSED_GLOBAL_PATTERNS = (
    re.compile(r'GLOBAL (\S+) was not an allowed global'),
    re.compile(r'GLOBAL (\S+) whose module \S+ is blocked'),
    re.compile(r'reduce for unrecognized function (\S+)'),
)


def _refused_globals(message: str) -> List[str]:
    """Names of the globals torch's weights-only unpickler refused."""
    found = []
    for pattern in _REFUSED_GLOBAL_PATTERNS:
        found += [m.rstrip('.,') for m in pattern.findall(message)]
    return sorted(set(found))


def _unsafe_message(filename: str, unsafe: List[str]) -> str:
    return (f'checkpoint {filename!r} contains types that are not on '
            f"mmbin's allow-list of safe checkpoint contents: "
            f'{", ".join(unsafe)}. Unpickling them could run arbitrary code. '
            f'Only if you trust this file, load it with {TRUST_ENV}=1 in the '
            f'environment (or --trust-checkpoint for tools/train.py and '
            f'tools/test.py).')


def _restricted_getattr(obj: Any, name: str) -> Any:
    """Stand-in for ``builtins.getattr`` inside checkpoints.

    MessageHub pickles bound statistics methods of ``HistoryBuffer`` as
    ``getattr(HistoryBuffer, 'min')``, OneCycle schedulers their annealing
    function as ``getattr(OneCycleParamScheduler, '_annealing_cos')``. A
    general ``getattr`` would let a crafted pickle reach arbitrary attributes
    (``__globals__`` and from there ``eval``), so only the pairs in
    ``_ALLOWED_CLASS_ATTRS`` are allowed.

    Args:
        obj (Any): The class to read from.
        name (str): Attribute name.

    Returns:
        Any: The attribute.
    """
    if isinstance(obj, type):
        for cls, names in _ALLOWED_CLASS_ATTRS.items():
            if issubclass(obj, cls) and name in names:
                return getattr(obj, name)
    allowed = '; '.join(f'{cls.__name__}: {sorted(names)}'
                        for cls, names in _ALLOWED_CLASS_ATTRS.items())
    raise UnsafeCheckpointError(
        f'checkpoint calls getattr({obj!r}, {name!r}), which is not '
        f'allowed (allowed: {allowed}). If you trust the file, set '
        f'{TRUST_ENV}=1.')


def _numpy_safe_globals() -> List[Any]:
    """Numpy types that numpy arrays, scalars and dtypes pickle through."""
    try:  # numpy >= 2
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    items: List[Any] = [
        np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar
    ]
    # numpy >= 1.25 pickles dtypes through their classes in numpy.dtypes.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        items += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return items


#: Globals that mmbin allows in checkpoints in addition to torch's defaults.
SAFE_GLOBALS: List[Union[Callable, Tuple[Callable, str]]] = [
    HistoryBuffer,
    OneCycleParamScheduler,
    (_restricted_getattr, 'builtins.getattr'),
    *_numpy_safe_globals(),
]


def _allowed_names() -> set:
    names = set()
    for item in SAFE_GLOBALS:
        if isinstance(item, tuple):
            names.add(item[1])
        else:
            names.add(f'{item.__module__}.{item.__qualname__}')
    return names


def trust_all_checkpoints() -> bool:
    """Whether the user opted in to unrestricted unpickling.

    Returns:
        bool: True when ``MMBIN_TRUST_CHECKPOINTS`` is set to 1/true/yes.
    """
    return os.environ.get(TRUST_ENV, '').lower() in ('1', 'true', 'yes')


def safe_torch_load(filename: str, map_location: Any = None) -> Any:
    """``torch.load`` with ``weights_only=True`` and mmbin's allow-list.

    Args:
        filename (str): Path of a local checkpoint file.
        map_location (Any): Same as :func:`torch.load`.

    Returns:
        Any: The loaded object (usually a dict).

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: The file needs types outside the allow-list.
        DamagedCheckpointError: The file is truncated, corrupt or not a
            torch checkpoint (a ``RuntimeError``).
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'checkpoint {filename!r} does not exist. Check the path given '
            f'to load_from / --resume / the test checkpoint argument.')
    if trust_all_checkpoints():
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except UnsafeCheckpointError as err:
        raise UnsafeCheckpointError(
            f'checkpoint {filename!r}: {err}') from None
    except pickle.UnpicklingError as err:
        found = _refused_globals(str(err))
        try:
            found += torch.serialization.get_unsafe_globals_in_checkpoint(
                filename)
        except Exception:  # legacy (non-zip) file or a damaged zip
            pass
        unsafe = sorted(set(found) - _allowed_names())
        if unsafe:
            raise UnsafeCheckpointError(_unsafe_message(filename,
                                                        unsafe)) from None
        # Not a refused global: the pickle itself is broken. torch's text
        # ends with advice to use weights_only=False, which is not passed on.
        raise DamagedCheckpointError(
            f'checkpoint {filename!r} could not be unpickled: it is damaged '
            'or was not written by torch.save. Re-create or re-download '
            'it.') from None
    except Exception as err:  # torch raises many types on a damaged file
        reason = str(err).strip().splitlines()[0] if str(err).strip() else ''
        raise DamagedCheckpointError(
            f'checkpoint {filename!r} is damaged (truncated, corrupt) or not '
            f'a torch checkpoint ({type(err).__name__}: {reason}). '
            'Re-create or re-download it.') from None


def load_from_local(filename: str, map_location: Any = None) -> Any:
    """Local-file scheme for :class:`mmengine.runner.CheckpointLoader`.

    Args:
        filename (str): Local checkpoint path (``~`` is expanded).
        map_location (Any): Same as :func:`torch.load`.

    Returns:
        Any: The loaded checkpoint.
    """
    return safe_torch_load(osp.expanduser(filename), map_location)


def install() -> None:
    """Register :func:`load_from_local` as MMEngine's local-file loader."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)


install()
