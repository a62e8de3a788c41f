"""Graphs: equations in SSA form, the passes that optimise them, and the code generator that prints them
as Python source."""
