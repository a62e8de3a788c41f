"""Graphs: tracing Python into equations, optimising them, and compiling them to Python source."""
