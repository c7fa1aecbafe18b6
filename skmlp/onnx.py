"""Export to ONNX: importing this module registers skmlp's converters with skl2onnx.

Once ``skmlp.onnx`` is imported, :func:`skl2onnx.to_onnx` converts a fitted
:class:`~skmlp.FromScratchMLPClassifier` or
:class:`~skmlp.FromScratchMLPRegressor`, alone or as the last step of a
:class:`~sklearn.pipeline.Pipeline`, like the scikit-learn estimators they
replace. The network is computed in the input's float type: float64 input
gives ``predict``'s values to about 1e-12, float32 input, the usual choice,
to about 1e-6 (relative).

A classifier's graph has a ``label`` output (``predict``: the classes; a 0/1
int64 matrix for multilabel targets) and a ``probabilities`` output
(``predict_proba``), with skl2onnx's options for classifiers:

- ``zipmap`` (default True): the probabilities as a list of
  ``{class: probability}`` maps; ``False`` for a matrix, ``"columns"`` for
  one output per class. ONNX's ZipMap takes float32 only, so with float64
  input the maps hold the float64 probabilities rounded to float32 (pass
  ``zipmap=False`` to keep float64);
- ``nocl`` (default False): True to output the index of each class in
  ``classes_`` instead of the class (in ``label`` and as the maps' keys).

A regressor's graph has one output, ``variable``, of shape
``(n_samples, n_outputs_)``: ``predict`` (through ``exp`` for
``loss='poisson'``) as a matrix even for one output, like skl2onnx's
regressors, where ``predict`` returns a vector.

Requires the ``onnx`` extra: ``pip install -e ".[onnx]"`` (skl2onnx and
onnxruntime).

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_diabetes, load_iris
>>> from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor
>>> import skmlp.onnx  # registers the converters
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

A Poisson regressor, computed in float64:

>>> X, y = load_diabetes(return_X_y=True)
>>> reg = FromScratchMLPRegressor(
...     "poisson", (10,), learning_rate_init=0.01, max_iter=2000, random_state=0
... ).fit(X, y)
>>> session = ort.InferenceSession(to_onnx(reg, X[:1]).SerializeToString())
>>> [output.name for output in session.get_outputs()]
['variable']
>>> (predictions,) = session.run(None, {"X": X})
>>> predictions.shape
(442, 1)
>>> bool(np.allclose(predictions[:, 0], reg.predict(X), rtol=1e-12))
True
"""

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.algebra.onnx_ops import (
    OnnxAbs,
    OnnxAdd,
    OnnxArgMax,
    OnnxArrayFeatureExtractor,
    OnnxCast,
    OnnxConcat,
    OnnxDiv,
    OnnxExp,
    OnnxGreater,
    OnnxIdentity,
    OnnxMatMul,
    OnnxMax,
    OnnxMin,
    OnnxNeg,
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
from ._regressor import FromScratchMLPRegressor

__all__ = []  # importing the module is its whole use

HIDDEN = {
    "identity": OnnxIdentity,
    "logistic": OnnxSigmoid,
    "tanh": OnnxTanh,
    "relu": OnnxRelu,
}

# A regressor's output activation: the inverse link of its loss.
REGRESSION_OUTPUT = {"identity": OnnxIdentity, "exp": OnnxExp}

TENSOR_TYPES = {np.float32: FloatTensorType, np.float64: DoubleTensorType}
PROTO_TYPES = {
    np.float32: onnx_proto.TensorProto.FLOAT,
    np.float64: onnx_proto.TensorProto.DOUBLE,
}


def _float_type(operator):
    """float64 for float64 input, float32 for anything else."""
    return (
        np.float64
        if guess_numpy_type(operator.inputs[0].type) == np.float64
        else np.float32
    )


def _logits(operator, dtype, opv):
    """The network's output logits ``Z`` from the operator's input, in ``dtype``."""
    model = operator.raw_operator
    Z = OnnxCast(operator.inputs[0], to=PROTO_TYPES[dtype], op_version=opv)
    last = len(model.coefs_) - 1
    for k, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        # (n, fan_in) @ (fan_in, fan_out) -> (n, fan_out)
        Z = OnnxMatMul(Z, W.astype(dtype), op_version=opv)
        Z = OnnxAdd(Z, b.astype(dtype), op_version=opv)
        if k < last:
            Z = HIDDEN[model.activation](Z, op_version=opv)
    return Z


def _write(scope, container, opv, nodes_and_outputs):
    """Add each node to the graph under the name of its operator output."""
    for node, output in nodes_and_outputs:
        OnnxIdentity(node, op_version=opv, output_names=[output]).add_to(
            scope, container
        )


# Classifiers


def _string_labels(classes):
    return classes.dtype.kind in "OUS"


def _target_kind(model):
    """The kind of the classifier's target, read from public fitted attributes.

    A softmax output is multiclass; logistic outputs are one per label of a
    multilabel target when there are several, else one output for the second
    of two classes (binary), or for the one class of a single-class target.
    A multilabel target has at least two labels: a one-column indicator ``y``
    is fitted as a vector of labels, as scikit-learn does.
    """
    if model.out_activation_ == "softmax":
        return "multiclass"
    if model.n_outputs_ > 1:
        return "multilabel"
    return "binary" if len(model.classes_) == 2 else "single-class"


def _classifier_options(scope, model):
    return scope.get_options(model, dict(zipmap=True, nocl=False))


def _makes_maps(options):
    """Whether skl2onnx's parser turns the probabilities into ZipMap's maps (as
    ``_parse_sklearn_classifier`` decides), which take float32 only."""
    zipmap = options["zipmap"]
    return not (isinstance(zipmap, bool) and not zipmap) and zipmap != "columns"


def _probability_type(operator, options):
    """The input's float type, but float32 for ZipMap's maps."""
    return np.float32 if _makes_maps(options) else _float_type(operator)


def calculate_classifier_output_shapes(operator):
    """The types and shapes of the ``label`` and ``probabilities`` outputs."""
    model = operator.raw_operator
    options = _classifier_options(operator.scope_inst, model)
    n_rows, n_classes = operator.inputs[0].get_first_dimension(), len(model.classes_)
    label_type = (
        StringTensorType
        if _string_labels(model.classes_) and not options["nocl"]
        else Int64TensorType
    )
    multilabel = _target_kind(model) == "multilabel"
    operator.outputs[0].type = label_type(
        [n_rows, n_classes] if multilabel else [n_rows]
    )
    proba_type = TENSOR_TYPES[_probability_type(operator, options)]
    operator.outputs[1].type = proba_type([n_rows, n_classes])


def convert_classifier(scope, operator, container):
    """Write the network, then the probabilities and labels of its target."""
    model, opv = operator.raw_operator, container.target_opset
    options = _classifier_options(scope, model)
    dtype = _float_type(operator)
    Z = _logits(operator, dtype, opv)
    proba, label = _probabilities_and_label(model, Z, dtype, options["nocl"], opv)
    # as predict_proba, no probability below the smallest normal float
    tiny = np.array([np.finfo(dtype).tiny], dtype=dtype)
    proba = OnnxMax(proba, tiny, op_version=opv)
    proba_type = _probability_type(operator, options)
    if proba_type != dtype:
        proba = OnnxCast(proba, to=PROTO_TYPES[proba_type], op_version=opv)
    _write(
        scope,
        container,
        opv,
        [(label, operator.outputs[0]), (proba, operator.outputs[1])],
    )


def _logistic(Z, dtype, opv):
    """``sigmoid(z) = exp(min(z, 0)) / (1 + exp(-|z|))``, with full relative
    precision for tiny probabilities: onnxruntime's Sigmoid has only an
    absolute one, about 1e-7 in float32 and 2e-16 in float64 (it gives 0 for
    ``z < -16.3`` in float32, ``z < -36.7`` in float64)."""
    one = np.array([1], dtype=dtype)
    nonpositive = OnnxMin(Z, np.array([0], dtype=dtype), op_version=opv)
    numerator = OnnxExp(nonpositive, op_version=opv)
    negative_abs = OnnxNeg(OnnxAbs(Z, op_version=opv), op_version=opv)
    denominator = OnnxAdd(one, OnnxExp(negative_abs, op_version=opv), op_version=opv)
    return OnnxDiv(numerator, denominator, op_version=opv)


def _probabilities_and_label(model, Z, dtype, nocl, opv):
    """The ONNX twins of ``predict_proba`` (before its floor) and ``predict``
    from the logits ``Z``; with ``nocl``, each label is the index of its class
    in ``classes_``."""
    kind = _target_kind(model)
    zero = np.array([0], dtype=dtype)
    if kind == "multilabel":
        positive = OnnxGreater(Z, zero, op_version=opv)
        label = OnnxCast(positive, to=onnx_proto.TensorProto.INT64, op_version=opv)
        return _logistic(Z, dtype, opv), label
    if kind == "multiclass":
        proba = OnnxSoftmax(Z, axis=1, op_version=opv)
        index = OnnxArgMax(Z, axis=1, op_version=opv)
    elif kind == "binary":
        proba = OnnxConcat(
            _logistic(OnnxNeg(Z, op_version=opv), dtype, opv),
            _logistic(Z, dtype, opv),
            axis=1,
            op_version=opv,
        )
        positive = OnnxGreater(Z, zero, op_version=opv)
        index = OnnxCast(positive, to=onnx_proto.TensorProto.INT64, op_version=opv)
    else:  # a single class: probability 1, predicted everywhere
        proba = OnnxAdd(
            OnnxSub(Z, Z, op_version=opv), np.array([1], dtype=dtype), op_version=opv
        )
        index = OnnxArgMax(proba, axis=1, op_version=opv)
    label = index
    if not nocl:
        classes = model.classes_
        classes = (
            classes.astype(str) if _string_labels(classes) else classes.astype(np.int64)
        )
        label = OnnxArrayFeatureExtractor(classes, index, op_version=opv)
    return proba, OnnxReshape(label, np.array([-1], dtype=np.int64), op_version=opv)


# Regressors


def calculate_regressor_output_shapes(operator):
    """The type and shape of the ``variable`` output: (n_rows, n_outputs_)."""
    model = operator.raw_operator
    n_rows = operator.inputs[0].get_first_dimension()
    value_type = TENSOR_TYPES[_float_type(operator)]
    operator.outputs[0].type = value_type([n_rows, model.n_outputs_])


def convert_regressor(scope, operator, container):
    """Write the network, then its output activation: the predictions."""
    model, opv = operator.raw_operator, container.target_opset
    Z = _logits(operator, _float_type(operator), opv)
    prediction = REGRESSION_OUTPUT[model.out_activation_](Z, op_version=opv)
    _write(scope, container, opv, [(prediction, operator.outputs[0])])


update_registered_converter(
    FromScratchMLPClassifier,
    "SkmlpFromScratchMLPClassifier",
    calculate_classifier_output_shapes,
    convert_classifier,
    options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
)
update_registered_converter(
    FromScratchMLPRegressor,
    "SkmlpFromScratchMLPRegressor",
    calculate_regressor_output_shapes,
    convert_regressor,
)
