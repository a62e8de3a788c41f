"""Object graphs: what an object's named children are (for checkpoints), and restorations waiting for
children that do not exist yet (deferred restoration)."""
