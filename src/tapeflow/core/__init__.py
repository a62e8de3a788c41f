"""The ground floor: values, dtypes, shapes, errors, nested structures, what an op is and the one
place ops are applied (`bind`), scopes and per-thread state. Imports NumPy and the standard library
only; every other package stands on it."""
