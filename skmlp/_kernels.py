"""The element-wise kernels of training, as interchangeable sets.

Training spends its time in the matrix products (BLAS) and in element-wise
passes: bias and activation, activation derivative, the output activation with
its loss and delta, the bias gradients, the L2 term and the optimizer step. A
:class:`Kernels` set holds one function for each of those passes. Two sets
exist:

- ``NUMPY_KERNELS``, the reference: NumPy ufuncs, several passes per step;
- the compiled set (``skmlp._numba_kernels``), which fuses each step into one
  pass where that is faster (all but tanh and logistic hidden layers), and is
  available with the ``performance`` extra (numba).

:func:`get_kernels` picks one for a fit. The environment variable
``SKMLP_KERNELS`` overrides the choice: ``numpy`` forces the reference set
(to compare, or to debug), ``numba`` requires the compiled one, ``auto`` (the
default) takes the compiled set when numba is installed.
"""

import functools
import os
from collections.abc import Callable
from typing import NamedTuple

from ._activations import activation_derivative, bias_activation
from ._losses import add_l2_gradient, loss_and_delta
from ._network import column_sums
from ._optimizers import adam_step, sgd_step

ENVIRONMENT_VARIABLE = "SKMLP_KERNELS"


class Kernels(NamedTuple):
    """One implementation of each element-wise pass of training.

    Every function works in place on arrays of one floating dtype and has the
    signature of the NumPy reference named beside it.
    """

    name: str
    """``"numpy"`` or ``"numba"``."""
    bias_activation: Callable
    """:func:`skmlp._activations.bias_activation`"""
    activation_derivative: Callable
    """:func:`skmlp._activations.activation_derivative`"""
    loss_and_delta: Callable
    """:func:`skmlp._losses.loss_and_delta`"""
    column_sums: Callable
    """:func:`skmlp._network.column_sums`"""
    add_l2_gradient: Callable
    """:func:`skmlp._losses.add_l2_gradient`"""
    adam_step: Callable
    """:func:`skmlp._optimizers.adam_step`"""
    sgd_step: Callable
    """:func:`skmlp._optimizers.sgd_step`"""


NUMPY_KERNELS = Kernels(
    "numpy",
    bias_activation,
    activation_derivative,
    loss_and_delta,
    column_sums,
    add_l2_gradient,
    adam_step,
    sgd_step,
)


@functools.cache
def compiled_kernels():
    """The numba kernels; imports numba, hence only on the first call."""
    from . import _numba_kernels as compiled

    return Kernels("numba", *(getattr(compiled, name) for name in Kernels._fields[1:]))


def get_kernels():
    """The kernel set for a fit: compiled when numba is installed.

    Returns
    -------
    kernels : Kernels

    Raises
    ------
    ValueError
        If ``SKMLP_KERNELS`` holds something other than ``auto``, ``numpy`` or
        ``numba``, or asks for ``numba`` where it is not installed.
    """
    choice = os.environ.get(ENVIRONMENT_VARIABLE, "auto").strip().lower() or "auto"
    if choice not in ("auto", "numpy", "numba"):
        raise ValueError(
            f"{ENVIRONMENT_VARIABLE}={choice!r} is not a kernel set: set it to "
            "'auto', 'numpy' or 'numba', or unset it."
        )
    if choice == "numpy":
        return NUMPY_KERNELS
    try:
        return compiled_kernels()
    except ImportError as error:
        if choice == "numba":
            raise ValueError(
                f"{ENVIRONMENT_VARIABLE}=numba, but numba cannot be imported "
                f"({error}): install the extra with `pip install "
                f'"skmlp[performance]"`, or unset {ENVIRONMENT_VARIABLE}.'
            ) from error
        return NUMPY_KERNELS
