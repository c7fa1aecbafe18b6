"""Export to ONNX: importing this module registers skmlp's converter with skl2onnx.

Once ``skmlp.onnx`` is imported, :func:`skl2onnx.to_onnx` converts a fitted
:class:`~skmlp.FromScratchMLPClassifier`, alone or as a step of a
:class:`~sklearn.pipeline.Pipeline`, like any scikit-learn classifier: the
graph has a ``label`` output (the predicted classes; a 0/1 int64 matrix for
multilabel targets) and a ``probabilities`` output (by default as a list of
``{class: probability}`` maps; pass ``options={"zipmap": False}`` for a
matrix). Its arithmetic is in the input's type: float32 input, the usual
choice, gives probabilities within about 1e-6 of ``predict_proba``.

Requires the ``onnx`` extra: ``pip install -e ".[onnx]"`` (skl2onnx and
onnxruntime).

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_iris
>>> from skmlp import FromScratchMLPClassifier
>>> import skmlp.onnx  # registers the converter
>>> X, y = load_iris(return_X_y=True)
>>> X = X.astype(np.float32)
>>> clf = FromScratchMLPClassifier(max_iter=2000, random_state=0).fit(X, y)
>>> onx = to_onnx(clf, X[:1], options={"zipmap": False})
>>> session = ort.InferenceSession(onx.SerializeToString())
>>> labels, proba = session.run(None, {"X": X})
>>> bool((labels == clf.predict(X)).all())
True
>>> bool(np.allclose(proba, clf.predict_proba(X), atol=1e-4))
True
"""

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.algebra.onnx_ops import (
    OnnxAdd,
    OnnxArgMax,
    OnnxArrayFeatureExtractor,
    OnnxCast,
    OnnxConcat,
    OnnxGreater,
    OnnxIdentity,
    OnnxMatMul,
    OnnxRelu,
    OnnxReshape,
    OnnxSigmoid,
    OnnxSoftmax,
    OnnxSub,
    OnnxTanh,
)
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
    guess_numpy_type,
)
from skl2onnx.proto import onnx_proto

from ._classifier import FromScratchMLPClassifier
from ._targets import Binary, Multiclass, Multilabel

__all__ = []  # importing the module is its whole use

HIDDEN = {
    "identity": OnnxIdentity,
    "logistic": OnnxSigmoid,
    "tanh": OnnxTanh,
    "relu": OnnxRelu,
}


def _float_type(operator):
    """float64 for float64 input, float32 for anything else."""
    return (
        np.float64
        if guess_numpy_type(operator.inputs[0].type) == np.float64
        else np.float32
    )


def _string_labels(classes):
    return classes.dtype.kind in "OUS"


def calculate_output_shapes(operator):
    """The types and shapes of the ``label`` and ``probabilities`` outputs."""
    model = operator.raw_operator
    n_rows, n_classes = operator.inputs[0].get_first_dimension(), len(model.classes_)
    multilabel = isinstance(model._target, Multilabel)
    label_type = StringTensorType if _string_labels(model.classes_) else Int64TensorType
    operator.outputs[0].type = label_type(
        [n_rows, n_classes] if multilabel else [n_rows]
    )
    proba_type = (
        DoubleTensorType if _float_type(operator) == np.float64 else FloatTensorType
    )
    operator.outputs[1].type = proba_type([n_rows, n_classes])


def convert(scope, operator, container):
    """Write the network, then the target kind's probabilities and labels."""
    model, opv = operator.raw_operator, container.target_opset
    dtype = _float_type(operator)
    to = (
        onnx_proto.TensorProto.DOUBLE
        if dtype == np.float64
        else onnx_proto.TensorProto.FLOAT
    )
    Z = OnnxCast(operator.inputs[0], to=to, op_version=opv)
    last = len(model.coefs_) - 1
    for k, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        # (n, fan_in) @ (fan_in, fan_out) -> (n, fan_out)
        Z = OnnxMatMul(Z, W.astype(dtype), op_version=opv)
        Z = OnnxAdd(Z, b.astype(dtype), op_version=opv)
        if k < last:
            Z = HIDDEN[model.activation](Z, op_version=opv)
    proba, label = _probabilities_and_label(model, Z, dtype, opv)
    for node, output in [(label, operator.outputs[0]), (proba, operator.outputs[1])]:
        OnnxIdentity(node, op_version=opv, output_names=[output]).add_to(
            scope, container
        )


def _probabilities_and_label(model, Z, dtype, opv):
    """The ONNX twins of ``predict_proba`` and ``predict`` from the logits ``Z``."""
    target = model._target
    if isinstance(target, Multilabel):
        positive = OnnxGreater(Z, np.array([0], dtype=dtype), op_version=opv)
        label = OnnxCast(positive, to=onnx_proto.TensorProto.INT64, op_version=opv)
        return OnnxSigmoid(Z, op_version=opv), label
    if isinstance(target, Multiclass):
        proba = OnnxSoftmax(Z, axis=1, op_version=opv)
        index = OnnxArgMax(Z, axis=1, op_version=opv)
    elif isinstance(target, Binary):
        p = OnnxSigmoid(Z, op_version=opv)
        proba = OnnxConcat(
            OnnxSub(np.array([1], dtype=dtype), p, op_version=opv),
            p,
            axis=1,
            op_version=opv,
        )
        positive = OnnxGreater(Z, np.array([0], dtype=dtype), op_version=opv)
        index = OnnxCast(positive, to=onnx_proto.TensorProto.INT64, op_version=opv)
    else:  # a single class: probability 1, predicted everywhere
        proba = OnnxAdd(
            OnnxSub(Z, Z, op_version=opv), np.array([1], dtype=dtype), op_version=opv
        )
        index = OnnxArgMax(proba, axis=1, op_version=opv)
    classes = model.classes_
    classes = (
        classes.astype(str) if _string_labels(classes) else classes.astype(np.int64)
    )
    label = OnnxArrayFeatureExtractor(classes, index, op_version=opv)
    return proba, OnnxReshape(label, np.array([-1], dtype=np.int64), op_version=opv)


update_registered_converter(
    FromScratchMLPClassifier,
    "SkmlpFromScratchMLPClassifier",
    calculate_output_shapes,
    convert,
    options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
)
