"""The ops, by family: each declared once (kernel, shape rule, gradient rule), with its public function;
variables and their ops; `IndexedSlices`; conversion that needs ops (packing lists of tensors)."""
