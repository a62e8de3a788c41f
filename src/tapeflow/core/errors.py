"""TensorFlow's `tf.errors` family.

TensorFlow raises these from ops (an eager op that fails raises the `OpError` subclass matching
its status code); Python-level misuse raises the builtin `TypeError`/`ValueError` as TF does.
"""

from __future__ import annotations

# The status codes, as `OpError.error_code` carries them (`tf.errors.INVALID_ARGUMENT`...).
(OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
 RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE,
 DATA_LOSS, UNAUTHENTICATED) = range(17)


class OpError(Exception):
    """An op failed; `message` says why, `op` and `node_def` are kept for TF compatibility."""

    error_code = 2
    # Raised by a kernel from the values it was given (TensorFlow raises these when a graph runs), not
    # by a check of shapes or dtypes (which TensorFlow makes while it builds a graph): see
    # `while_tracing`.
    from_kernel = False
    # A mismatch of dtypes (TensorFlow's graph builder raises TypeError for these).
    of_dtypes = False

    def __init__(self, node_def=None, op=None, message: str = "", *args):
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message

    def __str__(self) -> str:
        return self.message


def _error(name: str, code: int, doc: str) -> type:
    return type(name, (OpError,), {"__doc__": doc, "error_code": code, "__module__": __name__})


CancelledError = _error("CancelledError", 1, "An operation was cancelled.")
UnknownError = _error("UnknownError", 2, "An unknown error.")
InvalidArgumentError = _error("InvalidArgumentError", 3, "An op received an invalid argument.")
DeadlineExceededError = _error("DeadlineExceededError", 4, "A deadline expired.")
NotFoundError = _error("NotFoundError", 5, "A requested entity was not found.")
AlreadyExistsError = _error("AlreadyExistsError", 6, "An entity already exists.")
PermissionDeniedError = _error("PermissionDeniedError", 7, "The caller lacks permission.")
ResourceExhaustedError = _error("ResourceExhaustedError", 8, "A resource was exhausted.")
FailedPreconditionError = _error("FailedPreconditionError", 9, "The system is not in a state to run the op.")
AbortedError = _error("AbortedError", 10, "An operation was aborted.")
OutOfRangeError = _error("OutOfRangeError", 11, "An index or iteration went past its valid range.")
UnimplementedError = _error("UnimplementedError", 12, "The operation is not implemented.")
InternalError = _error("InternalError", 13, "An internal invariant was broken.")
UnavailableError = _error("UnavailableError", 14, "The service is unavailable.")
DataLossError = _error("DataLossError", 15, "Unrecoverable data loss.")
UnauthenticatedError = _error("UnauthenticatedError", 16, "The request lacks valid authentication.")


def dtype_error(message: str) -> InvalidArgumentError:
    """An op refusing its inputs' dtypes: InvalidArgumentError eagerly, TypeError while tracing."""
    error = InvalidArgumentError(None, None, message)
    error.of_dtypes = True
    return error


def while_tracing(error: OpError) -> Exception:
    """The error TensorFlow raises for `error` when it happens while a function is traced: its graph
    builder checks shapes (ValueError) and dtypes (TypeError) as it adds each op; what kernels find in
    the values stays as it is."""
    if error.from_kernel or not isinstance(error, InvalidArgumentError):
        return error
    translated = (TypeError if error.of_dtypes else ValueError)(error.message)
    translated.__cause__ = error
    return translated


class OperatorNotAllowedInGraphError(TypeError):
    """A Python operation that needs a tensor's value (bool, iteration) was used while tracing."""
